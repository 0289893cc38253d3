/**
 * Tokens whose signature was verified, by the token string, so a client that sends the same token
 * again costs a Map lookup instead of a signature check (~130 µs for RS256). Bounded: past
 * `maxEntries` the oldest entry goes. What an entry still has to satisfy on reuse (expiry, the
 * generation of the keys) is the caller's check.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string): T | undefined {
    return this.entries.get(token);
  }

  set(token: string, value: T): void {
    this.entries.delete(token);
    this.entries.set(token, value);
    if (this.entries.size > this.maxEntries) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(token: string): void {
    this.entries.delete(token);
  }
}
