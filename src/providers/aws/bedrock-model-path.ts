import { InvalidRequestError } from "../translator.js";

/**
 * `/model/<model id>/<action>` for the Bedrock runtime (converse, converse-stream, invoke, ...).
 * The model id is one path segment: `:` (every versioned id ends in `:0`) and the `/` of inference
 * profile ARNs are percent-encoded, as the AWS SDKs send them. The signer encodes this path once more
 * for the canonical request, which is what AWS verifies against. A model name that is not valid
 * Unicode (a lone surrogate such as "\ud800", which JSON can carry) has no UTF-8 to encode and is
 * refused as a bad request.
 */
export function bedrockModelPath(model: string, action: string): string {
  let segment: string;
  try {
    segment = encodeURIComponent(model);
  } catch {
    throw new InvalidRequestError(
      `model ${JSON.stringify(model)} is not a valid model id: it holds a lone surrogate`,
      400,
    );
  }
  return `/model/${segment}/${action}`;
}
