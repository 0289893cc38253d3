import { createPrivateKey, type KeyObject } from "node:crypto";

/** The parts of a Google service-account key file (JSON) that the token exchange uses. */
export interface ServiceAccountKey {
  clientEmail: string;
  /** The key's id, sent as the JWT's `kid` so Google picks the right public key. */
  privateKeyId: string | undefined;
  privateKey: KeyObject;
  /** Where the signed assertion is exchanged for an access token: the file's own `token_uri`. */
  tokenUri: string;
}

/** A key file that cannot be used; a configuration error (the message never holds the key). */
export class InvalidGcpCredentialsFileError extends Error {
  override readonly name = "InvalidGcpCredentialsFileError";
}

/** Google's token endpoint, for key files that do not name one (older files do). */
const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

/**
 * Parses a service-account key file. The private key is imported now, so a broken file fails the
 * configuration load instead of every request. Project and region are not read from the file: they
 * come from the policy.
 */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let file: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    file = parsed as Record<string, unknown>;
  } catch {
    throw new InvalidGcpCredentialsFileError("the GCP service account key file is not a JSON object");
  }
  if (file.type !== undefined && file.type !== "service_account") {
    throw new InvalidGcpCredentialsFileError(
      `the GCP credentials file is of type ${JSON.stringify(String(file.type))}; only "service_account" key files are supported`,
    );
  }
  const clientEmail = nonEmpty(file.client_email);
  const pem = nonEmpty(file.private_key);
  if (!clientEmail || !pem) {
    throw new InvalidGcpCredentialsFileError(
      "the GCP service account key file needs client_email and private_key",
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new InvalidGcpCredentialsFileError(
      "the private_key of the GCP service account key file is not a PEM key",
    );
  }
  if (privateKey.asymmetricKeyType !== "rsa") {
    throw new InvalidGcpCredentialsFileError(
      "the private_key of the GCP service account key file is not an RSA key",
    );
  }
  const tokenUri = nonEmpty(file.token_uri) ?? DEFAULT_TOKEN_URI;
  let url: URL;
  try {
    url = new URL(tokenUri);
  } catch {
    throw new InvalidGcpCredentialsFileError(
      "the token_uri of the GCP service account key file is not a URL",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidGcpCredentialsFileError(
      "the token_uri of the GCP service account key file is not http(s)",
    );
  }
  return { clientEmail, privateKeyId: nonEmpty(file.private_key_id), privateKey, tokenUri };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}
