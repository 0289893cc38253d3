import { type BackendSchema, InvalidRequestError } from "../translator.js";

/**
 * Paths of Azure OpenAI's data-plane API. Chat, completions and embeddings name the deployment in
 * the path: `/openai/deployments/<deployment>/chat/completions?api-version=<schema.version>`; the
 * Responses API does not (`/openai/responses?api-version=...`): its deployment is the body's `model`.
 * The deployment is the model the gateway asks for (modelNameOverride when set), as one path segment.
 *
 * A schema without `version` sends no `api-version` at all rather than one made up here: Azure
 * refuses such a request with its own error, which reaches the client, and configuration loading
 * warns about the backend (validate-ai-service-backend.ts). Azure's v1 API, which takes no
 * api-version, is the OpenAI schema with prefix `/openai/v1`.
 */
export function azureDeploymentPath(schema: BackendSchema, deployment: string, suffix: string): string {
  return `/openai/deployments/${deploymentSegment(deployment)}${suffix}${apiVersionQuery(schema)}`;
}

/** `/openai<suffix>?api-version=...` for the APIs whose deployment is in the body (responses). */
export function azureApiPath(schema: BackendSchema, suffix: string): string {
  return `/openai${suffix}${apiVersionQuery(schema)}`;
}

function apiVersionQuery(schema: BackendSchema): string {
  const version = schema.version;
  return version ? `?api-version=${encodeURIComponent(version)}` : "";
}

/**
 * The deployment as one percent-encoded path segment. Names that would not stay one segment after
 * the upstream normalises the path ("", ".", "..") and names that are not valid Unicode (a lone
 * surrogate has no UTF-8) are refused as bad requests: they cannot name a deployment.
 */
function deploymentSegment(deployment: string): string {
  if (deployment === "" || deployment === "." || deployment === "..")
    throw new InvalidRequestError(`model ${JSON.stringify(deployment)} cannot name an Azure deployment`, 400);
  try {
    return encodeURIComponent(deployment);
  } catch {
    throw new InvalidRequestError(
      `model ${JSON.stringify(deployment)} cannot name an Azure deployment: it holds a lone surrogate`,
      400,
    );
  }
}
