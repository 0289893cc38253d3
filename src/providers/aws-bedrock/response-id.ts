/** Bedrock answers carry no id in the body; the request id header identifies the answer. */
export function bedrockRequestId(headers: Record<string, string | string[] | undefined>): string {
  const id = headers["x-amzn-requestid"];
  return (Array.isArray(id) ? id[0] : id) ?? "";
}
