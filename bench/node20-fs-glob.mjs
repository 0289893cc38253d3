/**
 * Lets @modelcontextprotocol/conformance 0.1.16 run on Node 20: its CLI imports `globSync` from
 * node:fs (Node 22), which it uses only to summarise tier results, never for `server`. Loaded with
 * `--import`, this hook hands that package a node:fs with a globSync that says so; nothing else
 * changes (other importers of fs get the real module).
 */
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

const SHIM = `data:text/javascript,${encodeURIComponent(
  'import fs from "node:fs"; export * from "node:fs"; export default fs; ' +
    'export function globSync() { throw new Error("fs.globSync needs Node 22"); }',
)}`;

export async function resolve(specifier, context, next) {
  const fromSuite = context.parentURL?.includes("/@modelcontextprotocol/conformance/") === true;
  if (fromSuite && (specifier === "fs" || specifier === "node:fs")) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}

// Evaluated again in the hooks thread, where registering once more would recurse.
if (isMainThread) register(import.meta.url);
