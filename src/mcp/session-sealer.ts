import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** Upstream's default seed: it works, and the gateway warns at startup that it is public. */
export const DEFAULT_SESSION_SEED = "default-insecure-seed";
const KEY_INFO = "aigw mcp session v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals what the gateway hands the client (session ids, SSE event ids) so that any replica started
 * with the same seed can open it again, and nobody can read or alter it. The AES-256-GCM key is
 * derived ONCE, here, with HKDF-SHA256: the seed is an operator secret, not a password, so a slow
 * KDF (upstream spends 100,000 PBKDF2 rounds per request) buys nothing. Per message: one random
 * nonce and one seal or open. `purpose` is authenticated as additional data, so a sealed event id
 * is never accepted as a session id and the other way round.
 */
export class SessionSealer {
  private readonly key: Buffer;

  constructor(seed: string) {
    this.key = Buffer.from(hkdfSync("sha256", seed, "", KEY_INFO, 32));
  }

  /** base64url(nonce ‖ ciphertext ‖ tag). */
  seal(purpose: string, plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(Buffer.from(purpose));
    const body = cipher.update(plaintext, "utf8");
    const final = cipher.final();
    return Buffer.concat([nonce, body, final, cipher.getAuthTag()]).toString("base64url");
  }

  /** The plaintext, or undefined for anything this key did not seal for this purpose. */
  open(purpose: string, sealed: string): string | undefined {
    const bytes = Buffer.from(sealed, "base64url");
    if (bytes.length < NONCE_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const body = decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES));
      return Buffer.concat([body, decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
