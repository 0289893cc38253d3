import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { modelHeaderValue } from "../gateway/upstream-headers.js";
import type { AuthRequest, Identity } from "./auth-policy.js";
import { challenge, forbidden, unauthenticated } from "./auth-refusal.js";
import { claimAt, claimHeaderValue, claimPath, scopesOf } from "./claims.js";
import {
  type CredentialLocation,
  cookieLocation,
  headerLocation,
  queryParamLocation,
} from "./credential-locations.js";
import type { JwksKeys } from "./jwks-keys.js";
import {
  JWT_BAD_FORMAT,
  JWT_HEADER_ALG_NOT_SUPPORTED,
  JWT_HEADER_BAD_ALG,
  JWT_HEADER_BAD_JSON,
  JWT_HEADER_BAD_KID,
  JWT_ISS_NOT_STRING,
  JWT_MISSING,
  JWT_PAYLOAD_BAD_JSON,
  JWT_UNKNOWN_ISSUER,
  type JwtStatus,
  jwtStatusOf,
} from "./jwt-status.js";
import type { JwtProviderSpec, JwtSpec } from "./security-policy-spec.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

/**
 * Signature algorithms accepted: the asymmetric ones Envoy supports. `none` and the HMAC family
 * are refused before any key is looked up, so a token signed with HS256 over an RSA public key
 * (key confusion) never reaches a key, and no such token makes the key set be fetched again.
 */
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
const SUPPORTED_ALGORITHMS = new Set(ALGORITHMS);

/** Envoy's jwt_authn default `clock_skew_seconds`, which Envoy Gateway leaves as it is. */
const CLOCK_SKEW_S = 60;
/**
 * The cache of verified tokens of one policy: 10,000 clients' tokens, 8 Mi characters of tokens in
 * all (an entry's claims and headers, decoded from its token, take about as much again), and no
 * token longer than Node's default limit for all of a request's headers.
 */
const CACHE_LIMITS = Object.freeze({
  maxEntries: 10_000,
  maxChars: 8 * 1024 * 1024,
  maxTokenChars: 16 * 1024,
});

/** Envoy's default locations: `Authorization: Bearer <token>` and the `access_token` query parameter. */
const DEFAULT_EXTRACT_FROM: NonNullable<JwtProviderSpec["extractFrom"]> = {
  headers: [{ name: "authorization", valuePrefix: "Bearer " }],
  params: ["access_token"],
};

/** The characters a JWT is made of (base64url and the dots). */
const JWT_CHARACTER = /[A-Za-z0-9_.-]/;

export interface JwtProvider {
  readonly name: string;
  readonly issuer: string | undefined;
  readonly keys: JwksKeys;
  readonly recomputeRoute: boolean;
  readonly options: JWTVerifyOptions;
  readonly claimHeaders: readonly { readonly header: string; readonly path: readonly string[] }[];
}

/** A token one provider verified, with everything later requests and authorization read from it. */
export interface VerifiedToken {
  readonly provider: JwtProvider;
  readonly identity: Identity;
  readonly claims: JWTPayload;
  readonly scopes: ReadonlySet<string>;
  /** The claimToHeaders headers of this token. */
  readonly headers: readonly (readonly [string, string])[];
}

/** A verified token as the cache keeps it, with what decides whether verifying it again would pass. */
interface CachedToken {
  readonly verified: VerifiedToken;
  /** Where it was read: another location may have other providers, tried in another order. */
  readonly location: Location;
  /** Unix seconds; Infinity / -Infinity when the token has no `exp` / `nbf`. */
  readonly exp: number;
  readonly nbf: number;
  /**
   * The generation of every provider's keys (in provider order) when it was verified, the
   * verifying provider's that of the key that verified it: a provider tried before it and refused
   * it may have new keys since, and then verifying again could pick that provider instead.
   */
  readonly generations: readonly number[];
}

interface Location {
  readonly source: CredentialLocation;
  /** The providers reading tokens from here, in configuration order. */
  readonly providers: readonly JwtProvider[];
}

/** `jwt`, compiled: where tokens are read, who verifies them, what a verified one sets. */
export interface JwtAuthenticator {
  /** The claimToHeaders headers of every provider: the policy strips them from every request first. */
  readonly produces: readonly string[];
  /** Some provider asks for the route to be matched again (`recomputeRoute`). */
  readonly recomputesRoute: boolean;
  /**
   * The request's token, verified; undefined when there is none and that is allowed (`optional`,
   * `failOpen`) or it is invalid and `failOpen` lets it pass. Throws (or rejects with) a 401 or
   * 403 AuthRefusal otherwise. Synchronous when the token was verified before.
   */
  authenticate(request: AuthRequest): VerifiedToken | undefined | Promise<VerifiedToken | undefined>;
}

export function compileJwtAuth(
  spec: JwtSpec,
  keysOf: (provider: JwtProviderSpec, index: number) => JwksKeys,
): JwtAuthenticator {
  const providers = (spec.providers ?? []).map((p, i) => compileProvider(p, keysOf(p, i)));
  return new CompiledJwtAuth(
    providers,
    locationsOf(spec.providers ?? [], providers),
    spec.failOpen === true,
    spec.optional === true || spec.failOpen === true,
  );
}

class CompiledJwtAuth implements JwtAuthenticator {
  readonly produces: readonly string[];
  readonly recomputesRoute: boolean;
  /**
   * Tokens verified by this policy's providers, so that a client's next request with the same token
   * is answered without a signature check. A cached token is used only while verifying it again
   * would pass: read from the same location, no provider's keys changed, exp and nbf still allow it
   * (jose's test against the clock, with the same skew). Anything else is verified as a new token.
   * A reload compiles a new policy with an empty cache.
   */
  private readonly cache = new VerifiedTokenCache<CachedToken>(CACHE_LIMITS);

  constructor(
    private readonly providers: readonly JwtProvider[],
    private readonly locations: readonly Location[],
    private readonly failOpen: boolean,
    private readonly allowMissing: boolean,
  ) {
    this.produces = [...new Set(providers.flatMap((p) => p.claimHeaders.map((c) => c.header)))];
    this.recomputesRoute = providers.some((p) => p.recomputeRoute);
  }

  authenticate(request: AuthRequest): VerifiedToken | undefined | Promise<VerifiedToken | undefined> {
    let token: string | undefined;
    let location: Location | undefined;
    for (let i = 0; i < this.locations.length && token === undefined; i++) {
      location = this.locations[i]!;
      token = location.source.read(request);
    }
    if (token === undefined || location === undefined) {
      return this.allowMissing ? undefined : this.refuse(request, JWT_MISSING, false);
    }
    const cached = this.cache.get(token);
    if (cached !== undefined && cached.location === location) {
      if (this.keysUnchanged(cached.generations) && inTime(cached.exp, cached.nbf)) {
        cached.verified.provider.keys.refreshIfStale();
        return cached.verified;
      }
      // It would never pass again as it is (the clock and the generations only move forward).
      this.cache.delete(token);
    }
    return this.verify(request, token, location);
  }

  private keysUnchanged(generations: readonly number[]): boolean {
    for (let i = 0; i < this.providers.length; i++) {
      if (this.providers[i]!.keys.generation !== generations[i]) return false;
    }
    return true;
  }

  private async verify(
    request: AuthRequest,
    token: string,
    location: Location,
  ): Promise<VerifiedToken | undefined> {
    const { status, issuer } = inspect(token);
    if (status) return this.refuse(request, status, true);
    const candidates = location.providers.filter((p) => p.issuer === undefined || p.issuer === issuer);
    if (candidates.length === 0) return this.refuse(request, JWT_UNKNOWN_ISSUER, true);
    // Before any key is fetched: a fetch during the verification makes the entry stale at once.
    const generations = this.providers.map((p) => p.keys.generation);
    let first: unknown;
    for (const provider of candidates) {
      try {
        const { claims, key } = await verifyWith(token, provider);
        const verified = verifiedToken(provider, claims);
        // A key of a set fetched meanwhile dates the entry by that set; an unstamped one keeps the
        // generation read before verifying (the oldest it can be from), never the current one.
        const index = this.providers.indexOf(provider);
        generations[index] = provider.keys.generationOf(key) ?? generations[index]!;
        this.cache.set(token, {
          verified,
          location,
          exp: typeof claims.exp === "number" ? claims.exp : Number.POSITIVE_INFINITY,
          nbf: typeof claims.nbf === "number" ? claims.nbf : Number.NEGATIVE_INFINITY,
          generations,
        });
        return verified;
      } catch (err) {
        first ??= err;
      }
    }
    return this.refuse(request, jwtStatusOf(first), true);
  }

  /** Refuses in Envoy's words, or lets the request pass without an identity under `failOpen`. */
  private refuse(request: AuthRequest, status: JwtStatus, presented: boolean): undefined {
    if (this.failOpen) return undefined;
    if (status.status === 403) {
      throw forbidden(status.message, { "www-authenticate": challenge(request, true) });
    }
    throw unauthenticated(request, status.message, presented);
  }
}

function compileProvider(spec: JwtProviderSpec, keys: JwksKeys): JwtProvider {
  const issuer = spec.issuer ? spec.issuer : undefined;
  const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : undefined;
  return {
    name: spec.name,
    issuer,
    keys,
    recomputeRoute: spec.recomputeRoute === true,
    // The cache repeats jose's checks against the clock (inTime): one more here must be repeated there.
    options: Object.freeze({
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_SKEW_S,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audiences === undefined ? {} : { audience: audiences }),
    }),
    claimHeaders: (spec.claimToHeaders ?? []).map((c) => ({
      header: c.header.toLowerCase(),
      path: claimPath(c.claim),
    })),
  };
}

/**
 * Every place a provider reads tokens from, in provider order, each once: a place several
 * providers share (the default Authorization header) lists them all, so the token's issuer picks
 * among them as Envoy's extractor does.
 */
function locationsOf(specs: readonly JwtProviderSpec[], providers: readonly JwtProvider[]): Location[] {
  const byKey = new Map<string, { source: CredentialLocation; providers: JwtProvider[] }>();
  specs.forEach((spec, i) => {
    const from = spec.extractFrom ?? DEFAULT_EXTRACT_FROM;
    const add = (key: string, source: () => CredentialLocation) => {
      let location = byKey.get(key);
      if (!location) {
        location = { source: source(), providers: [] };
        byKey.set(key, location);
      }
      location.providers.push(providers[i]!);
    };
    for (const header of from.headers ?? []) {
      const name = header.name.toLowerCase();
      const prefix = header.valuePrefix ?? "";
      add(`header ${name} ${prefix}`, () => headerLocation(name, (value) => afterPrefix(value, prefix)));
    }
    for (const param of from.params ?? []) add(`param ${param}`, () => queryParamLocation(param));
    for (const cookie of from.cookies ?? []) add(`cookie ${cookie}`, () => cookieLocation(cookie));
  });
  return [...byKey.values()];
}

/**
 * As Envoy's extractor: the prefix may stand anywhere in the value; the token starts at the first
 * JWT character after it. A value without the prefix holds no token.
 */
function afterPrefix(value: string, prefix: string): string {
  if (prefix === "") return value;
  const at = value.indexOf(prefix);
  if (at < 0) return "";
  let start = at + prefix.length;
  while (start < value.length && !JWT_CHARACTER.test(value[start]!)) start++;
  return value.slice(start);
}

/** The checks Envoy makes before it looks for a key, and the issuer that picks the provider. */
function inspect(token: string): { status?: JwtStatus; issuer?: string } {
  if (token.split(".").length !== 3) return { status: JWT_BAD_FORMAT };
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { status: JWT_HEADER_BAD_JSON };
  }
  if (typeof header.alg !== "string" || header.alg === "") return { status: JWT_HEADER_BAD_ALG };
  if (!SUPPORTED_ALGORITHMS.has(header.alg)) return { status: JWT_HEADER_ALG_NOT_SUPPORTED };
  if (header.kid !== undefined && typeof header.kid !== "string") return { status: JWT_HEADER_BAD_KID };
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    return { status: JWT_PAYLOAD_BAD_JSON };
  }
  if (payload.iss !== undefined && typeof payload.iss !== "string") return { status: JWT_ISS_NOT_STRING };
  return payload.iss === undefined ? {} : { issuer: payload.iss };
}

/**
 * jose's verification with the provider's keys. A token without `kid` that several keys could
 * have signed is tried against each of them, as Envoy tries every key of the set.
 */
async function verifyWith(
  token: string,
  provider: JwtProvider,
): Promise<{ claims: JWTPayload; key: unknown }> {
  try {
    const { payload, key } = await jwtVerify(token, provider.keys.resolve, provider.options);
    return { claims: payload, key };
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err) {
      try {
        return { claims: (await jwtVerify(token, key, provider.options)).payload, key };
      } catch (keyErr) {
        if (!(keyErr instanceof errors.JWSSignatureVerificationFailed)) throw keyErr;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * Whether verifying the token again now would pass jose's checks of `exp` and `nbf`, as jose makes
 * them (jwt_claims_set.js): the current second, rounded down, with the provider's clock tolerance.
 */
function inTime(exp: number, nbf: number): boolean {
  const now = Math.floor(Date.now() / 1000);
  return !(nbf > now + CLOCK_SKEW_S) && !(exp <= now - CLOCK_SKEW_S);
}

function verifiedToken(provider: JwtProvider, claims: JWTPayload): VerifiedToken {
  const headers: (readonly [string, string])[] = [];
  for (const { header, path } of provider.claimHeaders) {
    const value = claimHeaderValue(claimAt(claims, path));
    // The header-safe form the model name also gets: a claim may hold any Unicode.
    if (value !== undefined) headers.push([header, modelHeaderValue(value)]);
  }
  return Object.freeze({
    provider,
    identity: Object.freeze({ consumer: typeof claims.sub === "string" ? claims.sub : undefined }),
    claims,
    scopes: scopesOf(claims),
    headers,
  });
}
