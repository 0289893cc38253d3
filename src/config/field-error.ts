/**
 * A validation failure worded the way the Kubernetes API server words it, so users of the original
 * recognise it: `spec.rules[0]: Invalid value: "object": rule name route-not-found is reserved`.
 */
export interface FieldError {
  /** Which object: "AIGatewayRoute default/my-route". */
  object: string;
  /** Where the object was read from: "config.yaml#2". */
  source: string;
  /** The Kubernetes-style message including the field path. */
  message: string;
}

export function formatFieldError(e: FieldError): string {
  return `${e.source}: ${e.object}: ${e.message}`;
}

/** `<path>: Invalid value: "<type>": <message>` as produced by a failed CEL rule on an object/array. */
export function invalidValue(path: string, valueType: string, message: string): string {
  return `${path}: Invalid value: "${valueType}": ${message}`;
}

/** `<path>: Unsupported value: "<v>": supported values: "a", "b"` for a failed enum. */
export function unsupportedValue(path: string, value: string, supported: readonly string[]): string {
  return `${path}: Unsupported value: "${value}": supported values: ${supported.map((s) => `"${s}"`).join(", ")}`;
}

/** `<path>: Required value` for a missing required field. */
export function requiredValue(path: string): string {
  return `${path}: Required value`;
}

/** `<path>: Too many: <n>: must have at most <max> items` for a list over its maxItems. */
export function tooMany(path: string, count: number, max: number): string {
  return `${path}: Too many: ${count}: must have at most ${max} items`;
}
