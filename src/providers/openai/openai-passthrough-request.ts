import { findTopLevelString } from "../../util/find-top-level-value.js";
import { refuseDeepRequest } from "../json-depth-limit.js";
import type { TranslateRequestInput, UpstreamRequest } from "../translator.js";
import { usageForced } from "./client-asked-for-usage.js";
import { openAIPath } from "./openai-path.js";

const INCLUDE_USAGE = Buffer.from('{"stream_options":{"include_usage":true},');

/**
 * The request side of an OpenAI -> OpenAI passthrough. The client's bytes are forwarded as received;
 * when the model is overridden only the model's value is replaced, and forced usage reporting is
 * spliced in after the opening brace, so nothing is re-serialised on the common paths. The usage chunk
 * the client did not ask for is removed again on the way back (openai-passthrough-response.ts).
 */
export function openAIPassthroughRequest(
  input: TranslateRequestInput,
  suffix: string,
  forceUsage: boolean,
): UpstreamRequest {
  const path = openAIPath(input.schema, suffix);
  const needsUsage = usageForced(input, forceUsage);
  let body: Buffer | undefined = input.raw;
  if (input.modelOverridden) body = replaceModel(body, input.model);
  if (needsUsage && body)
    body = input.body.stream_options === undefined ? spliceIncludeUsage(body) : undefined;
  if (body) return { path, body };
  // Unusual shapes (e.g. stream_options present without include_usage): rebuild the object once,
  // which walks the client's JSON as a translating request does, so its depth is bounded the same way.
  refuseDeepRequest(input);
  const rebuilt: Record<string, unknown> = { ...input.body, model: input.model };
  const options = input.body.stream_options;
  rebuilt.stream_options = {
    ...(typeof options === "object" && options !== null ? options : {}),
    include_usage: true,
  };
  return { path, body: JSON.stringify(rebuilt) };
}

function replaceModel(raw: Buffer, model: string): Buffer | undefined {
  const span = findTopLevelString(raw, "model");
  if (!span) return undefined;
  return Buffer.concat([
    raw.subarray(0, span.start),
    Buffer.from(JSON.stringify(model)),
    raw.subarray(span.end),
  ]);
}

/** `{...}` -> `{"stream_options":{"include_usage":true},...}`; the body is a non-empty object (it has a model). */
function spliceIncludeUsage(raw: Buffer): Buffer {
  const open = raw.indexOf(0x7b);
  return Buffer.concat([raw.subarray(0, open), INCLUDE_USAGE, raw.subarray(open + 1)]);
}
