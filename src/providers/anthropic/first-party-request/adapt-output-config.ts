import type { FieldNotice } from "../../translator.js";
import type { ClaudeCapabilities } from "./claude-model-capabilities.js";

type Json = Record<string, unknown>;

/**
 * `output_config` as a cloud platform takes it: `effort` stays for the models that have it (or a
 * model the gateway cannot place), every other key (`format`, structured outputs, which Bedrock
 * refuses as an extra input and Vertex has no flag for) is dropped. `undefined` when nothing is left.
 */
export function adaptOutputConfig(
  outputConfig: unknown,
  capabilities: ClaudeCapabilities | undefined,
  platform: string,
  notices: FieldNotice[],
): unknown {
  if (typeof outputConfig !== "object" || outputConfig === null || Array.isArray(outputConfig)) {
    return outputConfig;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(outputConfig as Json)) {
    if (key === "effort") {
      if (capabilities === undefined || capabilities.effort) {
        out.effort = value;
      } else {
        notices.push({
          field: "output_config.effort",
          action: "dropped",
          detail: "this model has no effort parameter",
        });
      }
      continue;
    }
    notices.push({
      field: `output_config.${key}`,
      action: "dropped",
      detail: `${platform} does not accept it`,
    });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
