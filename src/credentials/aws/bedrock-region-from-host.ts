/**
 * The region in a Bedrock runtime host name: bedrock-runtime.us-east-1.amazonaws.com,
 * bedrock-runtime-fips.us-east-1.amazonaws.com, vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com
 * and bedrock-runtime.us-east-1.api.aws all give "us-east-1". The anchors reject look-alikes such as
 * bedrock-runtime.us-east-1.amazonaws.com.example.com.
 */
const BEDROCK_HOST =
  /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.(?:vpce\.amazonaws\.com|amazonaws\.com|api\.aws)$/;

export function bedrockRegionFromHost(host: string): string | undefined {
  const colon = host.lastIndexOf(":");
  const name = colon === -1 ? host : host.slice(0, colon);
  return BEDROCK_HOST.exec(name.toLowerCase())?.[1];
}
