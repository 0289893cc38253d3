import { invalidValue, requiredValue, tooMany, unsupportedValue } from "../field-error.js";
import type {
  ArraySchema,
  IntegerSchema,
  IntOrStringSchema,
  NumberSchema,
  ObjectSchema,
  Rule,
  Schema,
  Self,
  StringSchema,
} from "./schema.js";
import {
  aboveMaximum,
  badFormat,
  belowMinimum,
  duplicateValue,
  invalidField,
  patternMismatch,
  tooFewItems,
  tooFewProperties,
  tooLong,
  tooShort,
  wrongType,
} from "./schema-messages.js";

/**
 * Checks `value` against `schema` the way the API server checks a custom resource, appending one
 * Kubernetes-style message per failure to `out`. Like the API server, null counts as absent
 * (non-nullable fields are pruned) and every failure is reported, not just the first.
 */
export function validateSchema(value: unknown, schema: Schema, path: string, out: string[]): void {
  switch (schema.type) {
    case "any":
      return;
    case "boolean":
      if (typeof value !== "boolean") out.push(wrongType(path, typeName(value), "boolean"));
      return;
    case "string":
      if (typeof value !== "string") out.push(wrongType(path, typeName(value), "string"));
      else checkString(value, schema, path, out);
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        out.push(wrongType(path, typeName(value), "integer"));
      } else checkInteger(value, schema, path, out);
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value))
        out.push(wrongType(path, typeName(value), "number"));
      else checkInteger(value, schema, path, out);
      return;
    case "int-or-string":
      if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
        out.push(wrongType(path, typeName(value), "integer or string"));
      } else checkIntOrString(value, schema, path, out);
      return;
    case "array":
      if (!Array.isArray(value)) out.push(wrongType(path, typeName(value), "array"));
      else checkArray(value, schema, path, out);
      return;
    case "object":
      if (typeName(value) !== "object") out.push(wrongType(path, typeName(value), "object"));
      else checkObject(value as Record<string, unknown>, schema, path, out);
      return;
  }
}

function checkString(value: string, schema: StringSchema, path: string, out: string[]): void {
  if (schema.enum && !schema.enum.includes(value)) out.push(unsupportedValue(path, value, schema.enum));
  if (schema.minLength !== undefined && [...value].length < schema.minLength) {
    out.push(tooShort(path, value, schema.minLength));
  }
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
    out.push(tooLong(path, schema.maxLength));
  }
  if (schema.pattern !== undefined && !matches(schema.pattern, value)) {
    out.push(patternMismatch(path, value, schema.pattern));
  } else if (schema.format !== undefined && !FORMATS[schema.format](value)) {
    out.push(badFormat(path, value, schema.format));
  } else if (schema.parse) {
    const problem = schema.parse(value);
    if (problem !== undefined) out.push(invalidField(path, value, problem));
  }
  checkRules(value, schema.rules, path, "string", out);
}

/** Bounds and rules of an integer or number. */
function checkInteger(
  value: number,
  schema: IntegerSchema | NumberSchema,
  path: string,
  out: string[],
): void {
  if (schema.minimum !== undefined && value < schema.minimum)
    out.push(belowMinimum(path, value, schema.minimum));
  if (schema.maximum !== undefined && value > schema.maximum)
    out.push(aboveMaximum(path, value, schema.maximum));
  checkRules(value, schema.rules, path, schema.type, out);
}

function checkIntOrString(
  value: string | number,
  schema: IntOrStringSchema,
  path: string,
  out: string[],
): void {
  const failed = typeof value === "string" ? schema.patterns?.find((p) => !matches(p, value)) : undefined;
  if (failed !== undefined) out.push(patternMismatch(path, String(value), failed));
  else if (schema.parse) {
    const problem = schema.parse(value);
    if (problem !== undefined) out.push(invalidField(path, value, problem));
  }
  checkRules(value, schema.rules, path, typeof value === "string" ? "string" : "integer", out);
}

function checkArray(value: unknown[], schema: ArraySchema, path: string, out: string[]): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    out.push(tooFewItems(path, value.length, schema.minItems));
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    // Like the API server, an over-long list is not looked into further.
    out.push(tooMany(path, value.length, schema.maxItems));
    return;
  }
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    if (item === null || item === undefined) {
      out.push(wrongType(itemPath, "null", itemTypeName(schema.items)));
      return;
    }
    validateSchema(item, schema.items, itemPath, out);
    const identity = listIdentity(item, schema);
    if (identity === undefined) return;
    const key = JSON.stringify(identity);
    if (seen.has(key)) out.push(duplicateValue(itemPath, identity));
    seen.add(key);
  });
  checkRules(value, schema.rules, path, "array", out);
}

/** What makes a list item unique: its map keys (list-type=map) or itself (list-type=set). */
function listIdentity(item: unknown, schema: ArraySchema): unknown {
  if (schema.set) return item;
  if (!schema.mapKeys || typeName(item) !== "object") return undefined;
  const record = item as Record<string, unknown>;
  return Object.fromEntries(schema.mapKeys.map((k) => [k, record[k]]));
}

function checkObject(
  value: Record<string, unknown>,
  schema: ObjectSchema,
  path: string,
  out: string[],
): void {
  const present = Object.keys(value).filter((k) => value[k] !== null && value[k] !== undefined);
  if (schema.maxProperties !== undefined && present.length > schema.maxProperties) {
    out.push(tooMany(path, present.length, schema.maxProperties));
  }
  if (schema.minProperties !== undefined && present.length < schema.minProperties) {
    out.push(tooFewProperties(path, present.length, schema.minProperties));
  }
  for (const field of schema.required ?? []) {
    if (present.includes(field)) continue;
    const fieldSchema = schema.properties?.[field];
    // A required string field the user left out arrives as "" from the original's typed Go
    // clients, so its enum or length check is what fails; report it the same way.
    if (fieldSchema?.type === "string" && (fieldSchema.enum || fieldSchema.minLength)) {
      checkString("", fieldSchema, join(path, field), out);
    } else out.push(requiredValue(join(path, field)));
  }
  for (const field of present) {
    const fieldSchema = schema.properties?.[field] ?? schema.values;
    if (fieldSchema) validateSchema(value[field], fieldSchema, join(path, field), out);
  }
  checkRules(value, schema.rules, path, "object", out);
}

function checkRules(
  self: Self,
  rules: readonly Rule[] | undefined,
  path: string,
  type: string,
  out: string[],
): void {
  for (const rule of rules ?? []) {
    let holds: boolean;
    try {
      holds = rule.holds(self);
    } catch {
      // A rule reading a field of the wrong shape: the schema failure is already reported.
      continue;
    }
    if (!holds) out.push(invalidValue(path, type, rule.message));
  }
}

function join(path: string, field: string): string {
  return path === "" ? field : `${path}.${field}`;
}

/** The JSON type name the API server uses in messages. */
function typeName(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function itemTypeName(schema: Schema): string {
  return schema.type === "int-or-string" ? "integer or string" : schema.type;
}

const compiled = new Map<string, RegExp>();

function matches(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** RFC 3339 date-time, as the API server's `date-time` format accepts it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const FORMATS: Record<NonNullable<StringSchema["format"]>, (value: string) => boolean> = {
  "date-time": (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T"))),
  uri: (value) => URL.canParse(value),
};
