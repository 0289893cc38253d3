import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "./gateway-yaml.js";

/**
 * One route over two OpenAI backends, `good` and `failing` (which answers errors): `gpt-a` goes to
 * good with the model overridden to `gpt-a-2026`, `gpt-fail` to failing alone, and `gpt-over` to
 * failing first and over to good. For tests of what a gateway reports about such traffic.
 */
export function goodAndFailingConfig(goodUrl: string, failingUrl: string): string {
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("good", goodUrl),
    openAIBackendDocs("failing", failingUrl),
    routeDoc("chat", {
      rules: [
        { matches: [modelIs("gpt-a")], backendRefs: [{ name: "good", modelNameOverride: "gpt-a-2026" }] },
        { matches: [modelIs("gpt-fail")], backendRefs: [{ name: "failing" }] },
        {
          matches: [modelIs("gpt-over")],
          backendRefs: [
            { name: "failing", priority: 0 },
            { name: "good", priority: 1 },
          ],
        },
      ],
    }),
  );
}
