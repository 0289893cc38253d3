/**
 * A small structural schema, the subset of OpenAPI v3 + CEL that the upstream CRDs use, so each
 * kind's validator reads like its CRD: required fields, enums, lengths, item counts, patterns and
 * the `x-kubernetes-validations` rules. Fields a schema does not list are accepted untouched, as
 * Kubernetes prunes unknown fields instead of rejecting them.
 */

// biome-ignore lint/suspicious/noExplicitAny: rules read user YAML of any shape, like CEL's `self`.
export type Self = any;

/** One `x-kubernetes-validations` rule: `holds` is the CEL expression, `message` its message verbatim. */
export interface Rule {
  readonly message: string;
  readonly holds: (self: Self) => boolean;
}

interface WithRules {
  readonly rules?: readonly Rule[];
}

export interface ObjectSchema extends WithRules {
  readonly type: "object";
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  /** Schema of every value of a map-like object (additionalProperties). */
  readonly values?: Schema;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

export interface ArraySchema extends WithRules {
  readonly type: "array";
  readonly items: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  /** x-kubernetes-list-type=map: these keys identify an item and must be unique. */
  readonly mapKeys?: readonly string[];
  /** x-kubernetes-list-type=set: items must be unique. */
  readonly set?: boolean;
}

export interface StringSchema extends WithRules {
  readonly type: "string";
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: "date-time" | "uri";
  /** A parse the gateway itself will do (durations, quantities): returns why the value is unusable. */
  readonly parse?: (value: string) => string | undefined;
}

export interface IntegerSchema extends WithRules {
  readonly type: "integer";
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A JSON number (a float in Go), e.g. a threshold between 0 and 1. */
export interface NumberSchema extends WithRules {
  readonly type: "number";
  readonly minimum?: number;
  readonly maximum?: number;
}

/** x-kubernetes-int-or-string, e.g. a resource quantity. */
export interface IntOrStringSchema extends WithRules {
  readonly type: "int-or-string";
  /** Every pattern must match a string value (an `allOf` of patterns). */
  readonly patterns?: readonly string[];
  readonly parse?: (value: string | number) => string | undefined;
}

export interface BooleanSchema {
  readonly type: "boolean";
}

/** Anything goes (x-kubernetes-preserve-unknown-fields, or fields we only pass through). */
export interface AnySchema {
  readonly type: "any";
}

export type Schema =
  | ObjectSchema
  | ArraySchema
  | StringSchema
  | IntegerSchema
  | NumberSchema
  | IntOrStringSchema
  | BooleanSchema
  | AnySchema;

export function object(
  properties: Readonly<Record<string, Schema>>,
  options: Omit<ObjectSchema, "type" | "properties"> = {},
): ObjectSchema {
  return { type: "object", properties, ...options };
}

export function array(items: Schema, options: Omit<ArraySchema, "type" | "items"> = {}): ArraySchema {
  return { type: "array", items, ...options };
}

export function string(options: Omit<StringSchema, "type"> = {}): StringSchema {
  return { type: "string", ...options };
}

export function integer(options: Omit<IntegerSchema, "type"> = {}): IntegerSchema {
  return { type: "integer", ...options };
}

export function number(options: Omit<NumberSchema, "type"> = {}): NumberSchema {
  return { type: "number", ...options };
}

export const boolean: BooleanSchema = { type: "boolean" };
export const anything: AnySchema = { type: "any" };

/** `has(self.field)` as CEL means it on a decoded object: present and not null. */
export function has(self: Self, field: string): boolean {
  return typeof self === "object" && self !== null && self[field] !== undefined && self[field] !== null;
}
