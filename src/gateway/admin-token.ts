import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The admin listener's token (AIGW_ADMIN_TOKEN), which the usage API and the console both check.
 * Both sides are compared as SHA-256 digests: digests have one length whatever was sent, so the
 * comparison is constant-time over all of it and leaks neither content nor length.
 */
export class AdminToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  matches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.#digest);
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? "")?.[1];
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
