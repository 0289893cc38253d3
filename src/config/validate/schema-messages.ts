/**
 * The rest of the Kubernetes API server's wording for schema failures (field-error.ts has the CEL,
 * enum, required and max-items forms), so a user of the original recognises every message.
 */

/** A value as the API server prints it inside a message: strings quoted, numbers bare. */
export function formatValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `Invalid value: <v>: <detail>` for a value that fails a check with its own explanation. */
export function invalidField(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${formatValue(value)}: ${detail}`;
}

export function wrongType(path: string, actual: string, expected: string): string {
  return invalidField(path, actual, `${path} in body must be of type ${expected}: "${actual}"`);
}

export function tooShort(path: string, value: string, min: number): string {
  return invalidField(path, value, `${path} in body should be at least ${min} chars long`);
}

export function tooLong(path: string, max: number): string {
  return `${path}: Too long: may not be more than ${max} bytes`;
}

export function patternMismatch(path: string, value: string, pattern: string): string {
  return invalidField(path, value, `${path} in body should match '${pattern}'`);
}

export function badFormat(path: string, value: string, format: string): string {
  return invalidField(path, value, `${path} in body must be of type ${format}: ${formatValue(value)}`);
}

export function belowMinimum(path: string, value: number, min: number): string {
  return invalidField(path, value, `${path} in body should be greater than or equal to ${min}`);
}

export function aboveMaximum(path: string, value: number, max: number): string {
  return invalidField(path, value, `${path} in body should be less than or equal to ${max}`);
}

export function tooFewItems(path: string, count: number, min: number): string {
  return invalidField(path, count, `${path} in body should have at least ${min} items`);
}

export function tooFewProperties(path: string, count: number, min: number): string {
  return invalidField(path, count, `${path} in body should have at least ${min} properties`);
}

export function duplicateValue(path: string, value: unknown): string {
  return `${path}: Duplicate value: ${formatValue(value)}`;
}

/** A reference to an object the configuration does not contain; `what` names the missing object. */
export function notFound(path: string, value: string, what: string): string {
  return `${path}: Not found: ${formatValue(value)}: ${what} is not in the configuration`;
}
