import { exceedsJsonDepth } from "../util/json-depth.js";
import { InvalidRequestError, type TranslateRequestInput, UpstreamProtocolError } from "./translator.js";

/**
 * How deep the translators let JSON nest, in the client's requests and in the upstream's answers they
 * rewrite: 128 levels of arrays and objects. Real traffic stays far below it: a request's own envelope
 * is 4 to 6 levels (body, messages, a message, its content, a part), and a tool's JSON schema adds two
 * levels per level of its data (`properties`, the property's schema), so even a schema describing data
 * 20 levels deep (OpenAI's structured outputs allow 10) comes to about 50. Far above it, V8's recursive
 * JSON.stringify, which every translator ends with, overflows the stack at about 4,100 levels, less
 * when called with a deep stack already; 128 keeps 30 times that margin.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Refuses a client body nested deeper than MAX_JSON_DEPTH with a 400, before a translator walks it.
 * Every translating request() calls it first; passthroughs forward the client's bytes without walking
 * them and do not.
 */
export function refuseDeepRequest(input: TranslateRequestInput): void {
  if (!converted.has(input.raw) && exceedsJsonDepth(input.raw, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(`JSON nested more than ${MAX_JSON_DEPTH} levels deep`, 400);
  }
}

/** Bodies the gateway itself converted from a client body that refuseDeepRequest already let through. */
const converted = new WeakSet<Buffer>();

/**
 * Marks `raw`, a body converted from a client body that passed refuseDeepRequest (e.g. an Anthropic
 * request rewritten as a chat request for a chat translator), as bounded already: conversion adds a
 * level or two, so checking it again would refuse a client body that is within the limit, while the
 * margin below V8's stack limit easily covers those levels.
 */
export function markDepthChecked(raw: Buffer): Buffer {
  converted.add(raw);
  return raw;
}

/**
 * Refuses upstream JSON (a 2xx body or one stream event) nested deeper than MAX_JSON_DEPTH, before a
 * translator parses and rewrites it: no API promises such an answer. `what` names it in the error.
 */
export function refuseDeepAnswer(json: string | Uint8Array, what: string): void {
  if (exceedsJsonDepth(json, MAX_JSON_DEPTH)) {
    throw new UpstreamProtocolError(`${what} nests JSON more than ${MAX_JSON_DEPTH} levels deep`);
  }
}

/**
 * A 2xx upstream body parsed for translation: UpstreamProtocolError when it nests too deeply or is
 * not JSON. `what` names it in the error, e.g. "the upstream's answer".
 */
export function parseUpstreamJson(body: Buffer, what: string): unknown {
  refuseDeepAnswer(body, what);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new UpstreamProtocolError(`${what} is not JSON: ${(err as Error).message}`);
  }
}
