/**
 * An embedding as OpenAI's `encoding_format: "base64"` sends it: the vector's float32 values,
 * little-endian, base64-encoded.
 */
export function encodeEmbeddingBase64(embedding: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(embedding.length * 4);
  for (let i = 0; i < embedding.length; i++) bytes.writeFloatLE(embedding[i] as number, i * 4);
  return bytes.toString("base64");
}
