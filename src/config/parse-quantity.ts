/**
 * A Kubernetes resource quantity ("50Mi", "32Ki", "1G", "1048576") in bytes, or undefined when the
 * text is not a quantity. Used for ClientTrafficPolicy connection.bufferLimit.
 */
const SUFFIXES: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.floor(text) : undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (SUFFIXES[m[2] ?? ""] ?? 1));
}
