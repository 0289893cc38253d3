import { createHmac, hash } from "node:crypto";

/** What @smithy/signature-v4 feeds its `sha256` constructor (already UTF-8-encoded by the signer). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** HMACs keyed by a string secret, remembered: see NodeSha256. */
const MAX_REMEMBERED = 256;
const remembered = new Map<string, Uint8Array>();

/**
 * SHA-256 and HMAC-SHA256 on node:crypto for @smithy/signature-v4 (its `Checksum` contract:
 * construct with an optional HMAC secret, `update`, `digest`, `reset`). It replaces
 * @smithy/hash-node's `Hash` on the request path because it is measurably cheaper per signature:
 * - plain digests use the one-shot `crypto.hash`, with no Hash object per call;
 * - on every request the signer HMACs the access key id with the secret key just to look up its
 *   cached signing key; that HMAC, like any keyed by a string secret (the first step of the key
 *   derivation too), is a pure function of its inputs and is remembered (a bounded map, cleared
 *   when full), so only the day's derivation and the signature itself run HMAC.
 */
export class NodeSha256 {
  private chunks: Buffer[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const secret = this.secret;
    if (secret === undefined) return hash("sha256", data, "buffer");
    if (typeof secret !== "string") return createHmac("sha256", toBuffer(secret)).update(data).digest();
    // "\0" cannot occur in a secret key, so the two parts cannot run into each other.
    const key = `${secret}\0${data.toString("latin1")}`;
    let mac = remembered.get(key);
    if (mac === undefined) {
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      mac = createHmac("sha256", secret).update(data).digest();
      remembered.set(key, mac);
    }
    return mac;
  }

  reset(): void {
    this.chunks = [];
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
