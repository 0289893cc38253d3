import { createHmac, hash } from "node:crypto";

/** What @smithy/signature-v4 feeds its `sha256` constructor (already UTF-8-encoded by the signer). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/**
 * SHA-256 and HMAC-SHA256 on node:crypto in smithy's `Checksum` shape (construct with an optional
 * HMAC secret, `update`, `digest`, `reset`): the digest SigV4Signer hands its SignatureV4Base, so
 * the base class's async helpers work too, without @smithy/hash-node at run time. SigV4Signer's own
 * signing path hashes with node:crypto directly.
 */
export class NodeSha256 {
  private chunks: Buffer[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    if (this.secret === undefined) return hash("sha256", data, "buffer");
    return createHmac("sha256", toBuffer(this.secret)).update(data).digest();
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
