import type { AwsCredentials } from "./aws-credentials.js";

/**
 * Reads one profile of an AWS shared credentials file (INI):
 *
 *   [default]
 *   aws_access_key_id = AKIA...
 *   aws_secret_access_key = ...
 *   aws_session_token = ...      (optional)
 *
 * Lines starting with `#` or `;` are comments; keys are case-insensitive. The `[profile name]` form
 * of ~/.aws/config is accepted too. Returns undefined when the profile or its keys are missing.
 */
export function parseAwsCredentialsFile(text: string, profile: string): AwsCredentials | undefined {
  let inProfile = false;
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[") && line.endsWith("]")) {
      const name = line.slice(1, -1).trim();
      inProfile = name === profile || name === `profile ${profile}`;
      continue;
    }
    if (!inProfile) continue;
    const eq = line.indexOf("=");
    if (eq === -1) continue;
    values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const accessKeyId = values.get("aws_access_key_id");
  const secretAccessKey = values.get("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = values.get("aws_session_token");
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
