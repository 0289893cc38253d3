/**
 * `/model/<model id>/<action>` for the Bedrock runtime (converse, converse-stream, invoke, ...).
 * The model id is one path segment: `:` (every versioned id ends in `:0`) and the `/` of inference
 * profile ARNs are percent-encoded, as the AWS SDKs send them. The signer encodes this path once more
 * for the canonical request, which is what AWS verifies against.
 */
export function bedrockModelPath(model: string, action: string): string {
  return `/model/${encodeURIComponent(model)}/${action}`;
}
