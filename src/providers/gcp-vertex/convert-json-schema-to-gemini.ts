import { InvalidRequestError } from "../translator.js";

type Json = Record<string, unknown>;

/** Keywords Gemini's Schema (an OpenAPI 3.0 subset) has under the same name and meaning. */
const KEPT = [
  "description",
  "title",
  "format",
  "nullable",
  "required",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minProperties",
  "maxProperties",
  "pattern",
  "default",
  "example",
  "propertyOrdering",
];

/** How deep `$ref`s may expand: a recursive schema cannot be said without references. */
const MAX_REF_DEPTH = 16;

/**
 * Gemini models before 2.5 (`gemini-1.x`, `gemini-2.0-...`) read tool parameters and response schemas
 * only in Gemini's own Schema, not JSON Schema (`parametersJsonSchema` / `responseJsonSchema`).
 */
export function needsGeminiSchema(model: string): boolean {
  return /^gemini-(1\.|2\.0)/.test(model);
}

/**
 * A JSON Schema as Gemini's Schema: types upper-cased (a `["string","null"]` type becomes STRING with
 * `nullable`), `$ref`s to `$defs`/`definitions` expanded in place, `const` as a one-value enum, `oneOf`
 * as `anyOf`, a single-member `allOf` merged, properties/items/anyOf converted recursively, and keywords
 * the subset lacks (additionalProperties, $schema, if/then, ...) dropped; enum values become strings. A recursive schema is 422:
 * the subset has no references to say it with.
 */
export function convertJsonSchemaToGemini(schema: unknown): Json {
  const root = isObject(schema) ? schema : {};
  const defs = {
    ...(isObject(root.definitions) ? root.definitions : {}),
    ...(isObject(root.$defs) ? root.$defs : {}),
  };
  return convert(root, defs, 0);
}

function convert(node: unknown, defs: Json, refDepth: number): Json {
  if (!isObject(node)) return {};
  const schema = node;
  if (typeof schema.$ref === "string") {
    if (refDepth >= MAX_REF_DEPTH)
      throw new InvalidRequestError("a recursive JSON schema cannot be expressed for this Gemini model");
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : defs[name];
    if (!isObject(target))
      throw new InvalidRequestError(
        `JSON schema $ref ${JSON.stringify(schema.$ref)} does not name a $defs entry`,
      );
    const { $ref: _ref, ...rest } = schema;
    return convert({ ...target, ...rest }, defs, refDepth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && isObject(schema.allOf[0])) {
    const { allOf, ...rest } = schema;
    return convert({ ...(allOf as Json[])[0], ...rest }, defs, refDepth);
  }
  const out: Json = {};
  for (const key of KEPT) if (schema[key] !== undefined) out[key] = schema[key];
  // Gemini's enum is a list of strings: a null member is said by `nullable`, numbers as their text.
  if (Array.isArray(schema.enum)) {
    out.enum = schema.enum
      .filter((v) => v !== null)
      .map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
    if (schema.enum.includes(null)) out.nullable = true;
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  const named = types.filter((t): t is string => typeof t === "string" && t !== "null");
  if (types.includes("null")) out.nullable = true;
  if (named.length === 1) out.type = named[0]!.toUpperCase();
  else if (named.length > 1) out.anyOf = named.map((t) => ({ type: t.toUpperCase() }));
  if (schema.const !== undefined) {
    out.enum = [String(schema.const)];
    out.type ??= "STRING";
  }
  if (isObject(schema.properties)) {
    const properties: Json = {};
    for (const [key, value] of Object.entries(schema.properties))
      properties[key] = convert(value, defs, refDepth);
    out.properties = properties;
    out.type ??= "OBJECT";
  }
  if (schema.items !== undefined) {
    out.items = convert(schema.items, defs, refDepth);
    out.type ??= "ARRAY";
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) out.anyOf = alternatives.map((alt) => convert(alt, defs, refDepth));
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
