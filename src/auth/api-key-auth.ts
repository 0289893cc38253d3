import type { ApiKeyClient } from "./api-key-clients.js";
import type { AuthRequest, Identity } from "./auth-policy.js";
import { unauthenticated } from "./auth-refusal.js";
import {
  type CredentialLocation,
  cookieLocation,
  headerLocation,
  queryParamLocation,
} from "./credential-locations.js";
import type { ApiKeyAuthSpec } from "./security-policy-spec.js";

/** Envoy's api_key_auth filter answers a missing or unknown key with this. */
export const CLIENT_AUTHENTICATION_FAILED = "Client authentication failed.";

/**
 * The scheme the OpenAI SDK (and Anthropic's `authToken`) put before the key, which Envoy's
 * api_key_auth filter strips from any header; matched case-insensitively, as RFC 9110 says schemes are.
 */
const BEARER = /^bearer +/i;

/** `apiKeyAuth`, compiled: where the key is read, whose key it is, what that client's requests carry. */
export interface ApiKeyAuthenticator {
  /** Headers this part of the policy sets, so the policy strips them from every request first. */
  readonly produces: readonly string[];
  /** The client whose key the request carries; throws a 401 AuthRefusal when there is none. */
  authenticate(request: AuthRequest): Identity;
  /**
   * The same verdict, changing nothing in the request: the client and the headers its requests
   * carry, for callers (the MCP gateway) that send those headers themselves.
   */
  identify(request: AuthRequest): ApiKeyClientMatch;
}

/** A verified API key's client and the headers its requests carry (client-headers, forwardClientIDHeader). */
export interface ApiKeyClientMatch {
  readonly identity: Identity;
  readonly headers: readonly (readonly [string, string])[];
}

export function compileApiKeyAuth(
  spec: ApiKeyAuthSpec,
  clients: readonly ApiKeyClient[],
): ApiKeyAuthenticator {
  const locations = apiKeyLocations(spec);
  const forward = spec.forwardClientIDHeader?.toLowerCase();
  const sanitize = spec.sanitize === true;
  const byKey = new Map<string, ApiKeyClientMatch>();
  const produces = new Set<string>(forward ? [forward] : []);
  for (const client of clients) {
    const headers: (readonly [string, string])[] = [...client.headers];
    for (const [name] of client.headers) produces.add(name);
    if (forward) headers.push([forward, client.clientId]);
    byKey.set(client.key, { identity: Object.freeze({ consumer: client.clientId }), headers });
  }
  const identify = (request: AuthRequest): ApiKeyClientMatch => {
    let key: string | undefined;
    for (let i = 0; i < locations.length && key === undefined; i++) key = locations[i]!.read(request);
    if (key === undefined) throw unauthenticated(request, CLIENT_AUTHENTICATION_FAILED, false);
    const client = byKey.get(key);
    if (!client) throw unauthenticated(request, CLIENT_AUTHENTICATION_FAILED, true);
    return client;
  };
  return {
    produces: [...produces],
    identify,
    authenticate(request) {
      const client = identify(request);
      const headers = request.headers;
      for (const [name, value] of client.headers) headers[name] = value;
      if (sanitize) for (const location of locations) location.remove?.(request);
      return client.identity;
    },
  };
}

/** `extractFrom` in order, each entry's names in order: the first place holding a key is used. */
function apiKeyLocations(spec: ApiKeyAuthSpec): CredentialLocation[] {
  const out: CredentialLocation[] = [];
  for (const from of spec.extractFrom ?? []) {
    for (const name of from.headers ?? []) out.push(headerLocation(name, stripBearer));
    for (const name of from.params ?? []) out.push(queryParamLocation(name));
    for (const name of from.cookies ?? []) out.push(cookieLocation(name));
  }
  return out;
}

function stripBearer(value: string): string {
  return value.replace(BEARER, "");
}
