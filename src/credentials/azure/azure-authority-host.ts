/** Microsoft Entra's public-cloud authority, as the Azure SDKs default to it. */
export const DEFAULT_AZURE_AUTHORITY_HOST = "https://login.microsoftonline.com";

/** AZURE_AUTHORITY_HOST is not an https URL: a configuration error, reported at start or reload. */
export class InvalidAzureAuthorityError extends Error {
  override readonly name = "InvalidAzureAuthorityError";
}

/**
 * The Entra authority to ask for tokens: `AZURE_AUTHORITY_HOST` from the gateway's environment, as
 * the Azure SDKs read it (sovereign clouds, a private authority), else the public cloud. It must be
 * https, as the Azure SDKs require: the client secret travels in the token request. Its origin and
 * path are kept (a trailing slash dropped); the tenant and `/oauth2/v2.0/token` follow it.
 */
export function azureAuthorityHost(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.AZURE_AUTHORITY_HOST?.trim();
  if (!configured) return DEFAULT_AZURE_AUTHORITY_HOST;
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new InvalidAzureAuthorityError(`AZURE_AUTHORITY_HOST ${JSON.stringify(configured)} is not a URL`);
  }
  if (url.protocol !== "https:") {
    throw new InvalidAzureAuthorityError(
      `AZURE_AUTHORITY_HOST ${JSON.stringify(configured)} must be an https URL: the client secret is sent to it`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new InvalidAzureAuthorityError(
      `AZURE_AUTHORITY_HOST ${JSON.stringify(configured)} must be an origin with an optional path, nothing more`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
