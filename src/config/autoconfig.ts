/**
 * Configuration for `aigw run` without a file, generated as the same YAML a user would write (as
 * upstream's autoconfig does), so one code path loads everything:
 * - OPENAI_API_KEY (+ OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID): every model to OpenAI;
 *   AZURE_OPENAI_API_KEY (with AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION, the variables the
 *   OpenAI SDKs' Azure clients read) takes its place and wins over it, as upstream's autoconfig does:
 *   every model to that Azure OpenAI resource, the model naming the deployment;
 * - ANTHROPIC_API_KEY (+ ANTHROPIC_BASE_URL): every model to Anthropic — or, when both are set,
 *   `claude-*` models to Anthropic and the rest to OpenAI;
 * - none of them: demo mode, every model to the bundled simulator at `demoUrl`.
 */
export type AutoconfigMode = "openai" | "anthropic" | "openai+anthropic" | "demo";

export function autoconfigMode(env: Readonly<Record<string, string | undefined>>): AutoconfigMode {
  const openai = Boolean(env.OPENAI_API_KEY || env.AZURE_OPENAI_API_KEY);
  const anthropic = Boolean(env.ANTHROPIC_API_KEY);
  if (openai && anthropic) return "openai+anthropic";
  if (openai) return "openai";
  if (anthropic) return "anthropic";
  return "demo";
}

interface RulePlan {
  match: string;
  exact?: boolean;
  backend: BackendPlan;
}

interface BackendPlan {
  name: string;
  url: URL;
  schema: "OpenAI" | "Anthropic" | "AzureOpenAI";
  /** schema.version (AzureOpenAI's api-version). */
  version?: string;
  policy?: {
    type: "APIKey" | "AnthropicAPIKey" | "AzureAPIKey";
    field: "apiKey" | "anthropicAPIKey" | "azureAPIKey";
    key: string;
  };
  setHeaders?: Record<string, string>;
}

export function autoconfigYaml(env: Readonly<Record<string, string | undefined>>, demoUrl?: string): string {
  const mode = autoconfigMode(env);
  const plans: RulePlan[] = [];
  if (mode === "openai" || mode === "openai+anthropic") {
    const headers: Record<string, string> = {};
    if (env.OPENAI_ORG_ID) headers["OpenAI-Organization"] = env.OPENAI_ORG_ID;
    if (env.OPENAI_PROJECT_ID) headers["OpenAI-Project"] = env.OPENAI_PROJECT_ID;
    const openai: BackendPlan = env.AZURE_OPENAI_API_KEY
      ? { ...azurePlan(env), setHeaders: headers }
      : {
          name: "openai",
          url: new URL(env.OPENAI_BASE_URL || "https://api.openai.com/v1"),
          schema: "OpenAI",
          policy: { type: "APIKey", field: "apiKey", key: env.OPENAI_API_KEY ?? "" },
          setHeaders: headers,
        };
    if (mode === "openai+anthropic") plans.push({ match: "claude-.*", backend: anthropicPlan(env) });
    plans.push({ match: ".*", backend: openai });
  } else if (mode === "anthropic") {
    plans.push({ match: ".*", backend: anthropicPlan(env) });
  } else {
    if (!demoUrl) throw new Error("demo mode needs the simulator URL");
    const demo: BackendPlan = { name: "demo", url: new URL(`${demoUrl}/v1`), schema: "OpenAI" };
    // An Exact rule first so GET /v1/models lists "demo"; the catch-all answers any other name.
    plans.push({ match: "demo", exact: true, backend: demo }, { match: ".*", backend: demo });
  }
  const backends = [...new Map(plans.map((p) => [p.backend.name, p.backend])).values()];
  return [gatewayDocs(), routeDoc(plans), ...backends.flatMap(backendDocs)].join("---\n");
}

/** AZURE_OPENAI_API_KEY needs the other two, as the OpenAI SDKs' Azure clients do. */
export class AutoconfigError extends Error {
  override readonly name = "AutoconfigError";
}

/** The backend is named "openai", as upstream names it whichever of the two it is. */
function azurePlan(env: Readonly<Record<string, string | undefined>>): BackendPlan {
  const endpoint = env.AZURE_OPENAI_ENDPOINT;
  const version = env.OPENAI_API_VERSION;
  if (!endpoint)
    throw new AutoconfigError("AZURE_OPENAI_ENDPOINT is required when AZURE_OPENAI_API_KEY is set");
  if (!version) throw new AutoconfigError("OPENAI_API_VERSION is required when AZURE_OPENAI_API_KEY is set");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AutoconfigError(`AZURE_OPENAI_ENDPOINT ${JSON.stringify(endpoint)} is not a URL`);
  }
  return {
    name: "openai",
    // The deployment paths start at the resource's root (`/openai/deployments/...`).
    url: new URL(url.origin),
    schema: "AzureOpenAI",
    version,
    policy: { type: "AzureAPIKey", field: "azureAPIKey", key: env.AZURE_OPENAI_API_KEY ?? "" },
  };
}

function anthropicPlan(env: Readonly<Record<string, string | undefined>>): BackendPlan {
  return {
    name: "anthropic",
    url: new URL(env.ANTHROPIC_BASE_URL || "https://api.anthropic.com"),
    schema: "Anthropic",
    policy: { type: "AnthropicAPIKey", field: "anthropicAPIKey", key: env.ANTHROPIC_API_KEY ?? "" },
  };
}

/** JSON is valid YAML: quoting every user-supplied value this way can never break the document. */
const q = (value: string): string => JSON.stringify(value);

/**
 * The Gateway (port 1975) and its buffer limit alone: what `aigw run --mcp-config` serves its
 * MCPRoute on when nothing configures a model, as upstream's autoconfig then generates.
 */
export function gatewayDocs(): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: aigw-run, namespace: default}
spec:
  gatewayClassName: aigw-run
  listeners: [{name: http, protocol: HTTP, port: 1975}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: client-buffer-limit, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: aigw-run}]
  connection: {bufferLimit: 50Mi}
`;
}

function routeDoc(plans: RulePlan[]): string {
  const rules = plans
    .map(
      (
        p,
      ) => `    - matches: [{headers: [{type: ${p.exact ? "Exact" : "RegularExpression"}, name: x-ai-eg-model, value: ${q(p.match)}}]}]
      backendRefs: [{name: ${q(p.backend.name)}}]
      timeouts: {request: 120s}
`,
    )
    .join("");
  return `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: aigw-run, namespace: default}
spec:
  parentRefs: [{name: aigw-run, kind: Gateway, group: gateway.networking.k8s.io}]
  rules:
${rules}  llmRequestCosts:
    - {metadataKey: llm_input_token, type: InputToken}
    - {metadataKey: llm_output_token, type: OutputToken}
    - {metadataKey: llm_total_token, type: TotalToken}
    - {metadataKey: llm_reasoning_token, type: ReasoningToken}
`;
}

function backendDocs(plan: BackendPlan): string[] {
  const https = plan.url.protocol === "https:";
  const port = Number(plan.url.port || (https ? 443 : 80));
  const host = plan.url.hostname.replace(/^\[|\]$/g, "");
  const isIp = /^[0-9.]+$/.test(host) || host.includes(":");
  const endpoint = isIp
    ? `{ip: {address: ${q(host)}, port: ${port}}}`
    : `{fqdn: {hostname: ${q(host)}, port: ${port}}}`;
  const prefix = plan.url.pathname.replace(/\/$/, "");
  const headers = Object.entries(plan.setHeaders ?? {});
  const headerMutation = headers.length
    ? `  headerMutation:\n    set: [${headers.map(([n, v]) => `{name: ${q(n)}, value: ${q(v)}}`).join(", ")}]\n`
    : "";
  const schemaPrefix = prefix && prefix !== "" ? `, prefix: ${q(prefix)}` : "";
  const schemaVersion = plan.version === undefined ? "" : `, version: ${q(plan.version)}`;
  const docs = [
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${q(plan.name)}, namespace: default}
spec:
  schema: {name: ${plan.schema}${schemaPrefix}${schemaVersion}}
  backendRef: {name: ${q(plan.name)}, kind: Backend, group: gateway.envoyproxy.io}
${headerMutation}`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${q(plan.name)}, namespace: default}
spec:
  endpoints: [${endpoint}]
`,
  ];
  if (https) {
    docs.push(`apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${q(`${plan.name}-tls`)}, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ${q(plan.name)}}]
  validation: {wellKnownCACertificates: System, hostname: ${q(host)}}
`);
  }
  if (plan.policy) {
    docs.push(`apiVersion: v1
kind: Secret
metadata: {name: ${q(`${plan.name}-apikey`)}, namespace: default}
type: Opaque
stringData: {apiKey: ${q(plan.policy.key)}}
`);
    docs.push(`apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${q(`${plan.name}-apikey`)}, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${q(plan.name)}}]
  type: ${plan.policy.type}
  ${plan.policy.field}: {secretRef: {name: ${q(`${plan.name}-apikey`)}}}
`);
  }
  return docs;
}
