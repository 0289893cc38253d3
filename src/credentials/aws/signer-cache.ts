import type { AwsCredentials } from "./aws-credentials.js";
import { SigV4Signer } from "./sigv4-signer.js";

/** Enough for the configured identities plus many distinct per-request overrides. */
const MAX_SIGNERS = 256;

/**
 * One SigV4Signer per (credentials, region, service), reused across requests: a signer derives its
 * signing key (four HMACs) once per day, which a signer built per request would redo every time.
 * Credentials from override headers are new objects per request, so signers are keyed by the
 * credential values, in a bounded map.
 */
export class SignerCache {
  private readonly signers = new Map<string, SigV4Signer>();
  /** The signer last used with a credentials object: configured credentials are one object for the
   * process's life, so their lookup needs no key built from the secret per request. */
  private readonly lastUsed = new WeakMap<AwsCredentials, SigV4Signer>();

  get(credentials: AwsCredentials, region: string, service: string): SigV4Signer {
    const last = this.lastUsed.get(credentials);
    if (last?.signs(credentials, region, service)) return last;
    const signer = this.byValue(credentials, region, service);
    this.lastUsed.set(credentials, signer);
    return signer;
  }

  private byValue(credentials: AwsCredentials, region: string, service: string): SigV4Signer {
    const key = `${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ""}\n${region}\n${service}`;
    let signer = this.signers.get(key);
    if (!signer) {
      if (this.signers.size >= MAX_SIGNERS) this.signers.clear();
      signer = new SigV4Signer(credentials, region, service);
      this.signers.set(key, signer);
    }
    return signer;
  }
}
