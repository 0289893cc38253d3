import type { JWTVerifyGetKey } from "jose";
import type { JwksKeys } from "./jwks-keys.js";

/** The issuer's metadata could not be fetched or named no `jwks_uri`: tokens cannot be verified yet. */
export class JwksDiscoveryFailed extends Error {
  override readonly name = "JwksDiscoveryFailed";
}

export interface DiscoveredJwksOptions {
  /** How long one metadata fetch may take. */
  readonly timeoutMs: number;
  /** No discovery sooner than this after a failed one. */
  readonly failedRefetchMs: number;
  /** Hears about failed discoveries (at most one per failedRefetchMs). */
  readonly onFailure: (reason: string) => void;
}

/**
 * The well-known metadata documents of an issuer, in the order upstream tries them: RFC 8414's
 * path insertion (`/.well-known/oauth-authorization-server/<issuer path>`), the OpenID variant,
 * then both appended to the issuer's path, which some providers (Descope) publish instead.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  const origin = url.origin;
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/oauth-authorization-server`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * The `jwks_uri` of an issuer's authorization server metadata. A 4xx answer moves on to the next
 * well-known location; anything else that is not a 200 with a `jwks_uri` fails the discovery.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  let last = "no metadata location answered";
  for (const url of metadataUrls(issuer)) {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    if (response.status >= 400 && response.status < 500) {
      await response.body?.cancel();
      last = `${url}: HTTP ${response.status}`;
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`${url}: HTTP ${response.status}`);
    }
    const metadata = (await response.json()) as { jwks_uri?: unknown };
    if (typeof metadata?.jwks_uri !== "string" || metadata.jwks_uri === "") {
      throw new Error(`${url}: jwks_uri not found in the authorization server metadata`);
    }
    return metadata.jwks_uri;
  }
  throw new Error(last);
}

/**
 * An MCPRoute's OAuth keys when `jwks` is omitted: the issuer's metadata is read on the first token
 * (not at configuration time, so `aigw validate` and a start with the issuer down stay offline),
 * and from then on the keys at its `jwks_uri` are fetched, cached and refreshed as any remoteJWKS
 * (`keysAt`). Concurrent first tokens share one discovery; a failed one is retried no sooner than
 * failedRefetchMs, and its tokens are refused as a failed key fetch is.
 */
export class DiscoveredJwks implements JwksKeys {
  private keys: JwksKeys | undefined;
  private pending: Promise<JwksKeys> | undefined;
  private retryAt = 0;

  constructor(
    readonly issuer: string,
    private readonly options: DiscoveredJwksOptions,
    private readonly keysAt: (jwksUri: string) => JwksKeys,
  ) {}

  get generation(): number {
    return this.keys?.generation ?? 0;
  }

  generationOf(key: unknown): number | undefined {
    return this.keys?.generationOf(key);
  }

  refreshIfStale(): void {
    this.keys?.refreshIfStale();
  }

  readonly resolve: JWTVerifyGetKey = async (header, token) => {
    const keys = this.keys ?? (await this.discover());
    return keys.resolve(header, token);
  };

  private discover(): Promise<JwksKeys> {
    if (this.pending) return this.pending;
    if (Date.now() < this.retryAt) {
      return Promise.reject(
        new JwksDiscoveryFailed(
          `the last discovery of ${this.issuer}'s keys failed less than failedRefetchDuration ago`,
        ),
      );
    }
    this.pending = discoverJwksUri(this.issuer, this.options.timeoutMs)
      .then((uri) => {
        this.keys = this.keysAt(uri);
        return this.keys;
      })
      .catch((err: unknown) => {
        this.retryAt = Date.now() + this.options.failedRefetchMs;
        const reason = (err as Error).cause ? String((err as Error).cause) : (err as Error).message;
        this.options.onFailure(`discovering the JWKS of ${this.issuer} failed: ${reason}`);
        throw new JwksDiscoveryFailed(reason);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
