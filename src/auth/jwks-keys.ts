import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";

/** The keys one JWT provider verifies signatures with. */
export interface JwksKeys {
  /** jose's key resolver: picks the key by the token's `kid` and `alg`. */
  readonly resolve: JWTVerifyGetKey;
  /**
   * Increases whenever a fetch brought a key set, which may lack keys an earlier one had: a token
   * verified under an older generation is verified again before it is trusted.
   */
  readonly generation: number;
  /**
   * The generation of the key set `key` came from, when `resolve` gave it; undefined for a key it
   * did not give (jose's fallback over several keys without a `kid` hands them out itself), whose
   * set is then only known to be no older than the generation read before verifying.
   */
  generationOf(key: unknown): number | undefined;
  /** On the reuse of a verified token: refreshes keys older than their cache duration, in the background. */
  refreshIfStale(): void;
}

/**
 * Keys given in the configuration (`localJWKS`, the JSON text of a key set); they never change
 * within a snapshot. Throws an Error saying why the text is not a key set.
 */
export function localJwks(text: string): JwksKeys {
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(text) as JSONWebKeySet;
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  let resolve: JWTVerifyGetKey;
  try {
    resolve = createLocalJWKSet(jwks);
  } catch {
    throw new Error('not a JSON Web Key Set (an object with a "keys" array of keys)');
  }
  return { resolve, generation: 0, generationOf: () => 0, refreshIfStale: () => {} };
}

export interface RemoteJwksOptions {
  /** `remoteJWKS.cacheDuration`: how long fetched keys are used before they are fetched again. */
  readonly cacheDurationMs: number;
  /** `remoteJWKS.failedRefetchDuration`: no fetch sooner than this after a failed one. */
  readonly failedRefetchMs: number;
  /** After a fetch, a token with an unknown `kid` causes no other fetch for this long. */
  readonly cooldownMs: number;
  /** How long one fetch may take. */
  readonly timeoutMs: number;
  /** Hears about failed fetches (at most one per failedRefetchMs). */
  readonly onFetchFailure: (reason: string) => void;
}

/** Envoy's default for `failedRefetchDuration`; the CRD's for `cacheDuration` (300s). */
export const REMOTE_JWKS_DEFAULTS = Object.freeze({
  cacheDurationMs: 300_000,
  failedRefetchMs: 1_000,
  cooldownMs: 30_000,
  // Envoy Gateway's timeout for the services a policy calls out to.
  timeoutMs: 10_000,
});

/** A fetch refused because the last one failed less than failedRefetchDuration ago. */
export class JwksFetchBackoff extends Error {
  override readonly name = "JwksFetchBackoff";
}

/**
 * Keys fetched from `remoteJWKS.uri` (http or https) by jose's remote key set: on first use,
 * again once older than the cache duration, and when a token names a `kid` the set does not
 * have, at most once per cooldown. Fetches go through `fetchKeys`, which counts the generations
 * and holds off after a failure.
 */
export class RemoteJwks implements JwksKeys {
  generation = 0;
  readonly resolve: JWTVerifyGetKey;
  private readonly set: ReturnType<typeof createRemoteJWKSet>;
  private retryAt = 0;
  /**
   * Each key object is stamped with the generation current when jose first hands it out: jose
   * imports the keys of every fetched set anew, so a key's stamp is the set it came from, whether
   * or not another fetch finished while its token was being verified.
   */
  private readonly generations = new WeakMap<object, number>();

  constructor(
    readonly uri: string,
    private readonly options: RemoteJwksOptions,
  ) {
    this.set = createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: options.cacheDurationMs,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
      [customFetch]: this.fetchKeys,
    });
    this.resolve = async (header, token) => {
      const key = await this.set(header, token);
      if (!this.generations.has(key)) this.generations.set(key, this.generation);
      return key;
    };
  }

  generationOf(key: unknown): number | undefined {
    return typeof key === "object" && key !== null ? this.generations.get(key) : undefined;
  }

  refreshIfStale(): void {
    if (this.set.fresh || this.set.reloading || Date.now() < this.retryAt) return;
    // The failure was reported by fetchKeys; the tokens of the old keys keep working meanwhile.
    this.set.reload().catch(() => {});
  }

  private readonly fetchKeys: FetchImplementation = async (url, init) => {
    if (Date.now() < this.retryAt) {
      throw new JwksFetchBackoff(`the last fetch of ${this.uri} failed less than failedRefetchDuration ago`);
    }
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      this.failed((err as Error).cause ? String((err as Error).cause) : (err as Error).message);
      throw err;
    }
    if (response.status === 200) this.generation++;
    else this.failed(`HTTP ${response.status}`);
    return response;
  };

  private failed(reason: string): void {
    this.retryAt = Date.now() + this.options.failedRefetchMs;
    this.options.onFetchFailure(`fetching ${this.uri} failed: ${reason}`);
  }
}
