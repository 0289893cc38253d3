import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentials } from "./aws-credentials.js";
import { NodeSha256 } from "./node-sha256.js";

/** Enough for the configured identities plus many distinct per-request overrides. */
const MAX_SIGNERS = 256;

/**
 * One SignatureV4 per (credentials, region, service), reused across requests: the signer caches the
 * derived signing key (four HMACs) per day, which a signer built per request would recompute every
 * time — a quarter of a Bedrock request's CPU. Credentials from override headers are new objects
 * per request, so signers are keyed by the credential values, in a bounded map.
 */
export class SignerCache {
  private readonly signers = new Map<string, SignatureV4>();

  get(credentials: AwsCredentials, region: string, service: string): SignatureV4 {
    const key = `${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ""}\n${region}\n${service}`;
    let signer = this.signers.get(key);
    if (!signer) {
      if (this.signers.size >= MAX_SIGNERS) this.signers.clear();
      signer = new SignatureV4({
        service,
        region,
        credentials,
        sha256: NodeSha256,
        uriEscapePath: true,
        applyChecksum: true,
      });
      this.signers.set(key, signer);
    }
    return signer;
  }
}
