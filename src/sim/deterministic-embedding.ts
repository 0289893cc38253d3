/**
 * A unit-length vector derived only from the input text and the dimension count, so the same input
 * always embeds the same way (tests can compare) and different inputs differ. FNV-1a seeds a
 * mulberry32 generator; neither is cryptographic, neither needs to be.
 */
export function deterministicEmbedding(key: string, dimensions: number): Float32Array {
  let seed = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    seed ^= key.charCodeAt(i);
    seed = Math.imul(seed, 0x01000193);
  }
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! * scale;
  return vector;
}

/** Little-endian float32 bytes in base64: what OpenAI sends for encoding_format "base64". */
export function embeddingToBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString("base64");
}
