import { firstValue } from "../util/first-value.js";
import type { CredentialInjector, OutgoingRequest } from "./credential-injector.js";
import { MissingCredentialError } from "./missing-credential-error.js";

/**
 * API keys carried in one header: APIKey (`Authorization: Bearer <key>`), AnthropicAPIKey
 * (`x-api-key`), AzureAPIKey (`api-key`). With credentialOverride.fromRequestHeaders the client may
 * supply the key in `overrideHeader`; that header never reaches the upstream.
 */
export interface HeaderCredentialSpec {
  /** Lower-case upstream header, e.g. "authorization". */
  header: string;
  /** Prepended to the key, e.g. "Bearer ". */
  prefix: string;
  /** The configured key, undefined when only overrides are allowed. */
  key: string | undefined;
  /** Lower-case client header that may carry the key instead. */
  overrideHeader?: string;
  /** When the override header is absent, use the configured key (default true upstream). */
  fallbackToConfigured: boolean;
}

export function createHeaderCredentialInjector(spec: HeaderCredentialSpec): CredentialInjector {
  const configured = spec.key === undefined ? undefined : `${spec.prefix}${spec.key}`;
  const overrideHeader = spec.overrideHeader;
  return {
    overrideHeaders: overrideHeader ? [overrideHeader] : [],
    inject(req: OutgoingRequest): void {
      if (overrideHeader) {
        const value = firstValue(req.clientHeaders[overrideHeader]);
        if (value) {
          req.headers[spec.header] = `${spec.prefix}${value}`;
          return;
        }
        if (!spec.fallbackToConfigured || configured === undefined) throw new MissingCredentialError();
      }
      if (configured === undefined) throw new MissingCredentialError();
      req.headers[spec.header] = configured;
    },
  };
}
