/** Characters of a token's end that key its entry (see VerifiedTokenCache). */
const KEY_CHARS = 32;

export interface VerifiedTokenCacheLimits {
  /** Entries kept at most. */
  readonly maxEntries: number;
  /** Characters of all the kept tokens together at most. */
  readonly maxChars: number;
  /** A longer token is never kept (it would take the room of many). */
  readonly maxTokenChars: number;
}

interface Entry<T> {
  readonly token: string;
  readonly value: T;
  /** Read since it was last passed over for eviction: it gets a second chance. */
  used: boolean;
}

/**
 * Tokens whose signature was verified, by the exact token string, so a client that sends the same
 * token again costs a lookup instead of a signature check (~250 µs for RS256). Only verified tokens
 * are put here, so a client sending random tokens neither grows it nor pushes others out.
 *
 * An entry is found by the token's last KEY_CHARS characters (its signature's) and then compared
 * in full: V8 hashes the whole of a string used as a Map key, and a new one per request (~1 µs for a
 * 700-character token) is most of what a lookup by the full token costs. A token that shares the
 * end of a cached one but differs elsewhere is a miss.
 *
 * Bounded in entries and in the tokens' characters (what an entry's claims take grows with its
 * token). Past a bound the oldest entry goes, unless it was read since it was last passed over
 * (second chance): the tokens of clients in use stay while tokens used once go first. What an entry
 * still has to satisfy on reuse (its exp and nbf, the keys it was verified with) is the caller's check.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private chars = 0;

  constructor(private readonly limits: VerifiedTokenCacheLimits) {}

  get size(): number {
    return this.entries.size;
  }

  /** Characters of the kept tokens. */
  get totalChars(): number {
    return this.chars;
  }

  get(token: string): T | undefined {
    const entry = this.entries.get(keyOf(token));
    if (entry === undefined || entry.token !== token) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(token: string, value: T): void {
    if (token.length > Math.min(this.limits.maxTokenChars, this.limits.maxChars)) return;
    // A copy of its own: the token may be a slice of a longer header (a Cookie header, say), which
    // a kept slice would keep alive without being counted. The key is cut from the copy for the
    // same reason (V8 keeps a slice of 13 characters or more as a view of its parent).
    const own = Buffer.from(token, "utf16le").toString("utf16le");
    const key = keyOf(own);
    this.remove(key);
    this.makeRoom(own.length);
    this.entries.set(key, { token: own, value, used: false });
    this.chars += own.length;
  }

  delete(token: string): void {
    const key = keyOf(token);
    if (this.entries.get(key)?.token === token) this.remove(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.chars -= entry.token.length;
  }

  /** Evicts until one more entry of `chars` characters fits (before it is in: it is never its own victim). */
  private makeRoom(chars: number): void {
    const { maxEntries, maxChars } = this.limits;
    while (this.entries.size > 0 && (this.entries.size >= maxEntries || this.chars + chars > maxChars)) {
      // A Map iterates in insertion order: the first entry is the one passed over longest ago.
      const [key, entry] = this.entries.entries().next().value as [string, Entry<T>];
      this.entries.delete(key);
      if (entry.used) {
        // Moved to the end with its bit cleared: every entry is moved at most once per read, and a
        // second pass finds all bits clear, so this loop ends.
        entry.used = false;
        this.entries.set(key, entry);
      } else {
        this.chars -= entry.token.length;
      }
    }
  }
}

function keyOf(token: string): string {
  return token.length <= KEY_CHARS ? token : token.slice(-KEY_CHARS);
}
