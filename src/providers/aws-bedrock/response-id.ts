import { firstValue } from "../../util/first-value.js";

/** Bedrock answers carry no id in the body; the request id header identifies the answer. */
export function bedrockRequestId(headers: Record<string, string | string[] | undefined>): string {
  return firstValue(headers["x-amzn-requestid"]) ?? "";
}
