import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { type Resource, UNNAMED_KIND } from "./resource.js";
import { substituteEnv } from "./substitute-env.js";

/** A file that is not valid YAML, or a document that is not a Kubernetes-style object. */
export class ConfigLoadError extends Error {
  override readonly name = "ConfigLoadError";
}

const YAML_EXTENSIONS = new Set([".yaml", ".yml"]);

/** The YAML files named by `paths`: files as given, directories searched recursively (sorted). */
export async function listConfigFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ConfigLoadError(`${path}: no such file or directory`);
    if (info.isDirectory()) files.push(...(await listYamlUnder(path)));
    else files.push(path);
  }
  return files;
}

async function listYamlUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listYamlUnder(full)));
    else if (YAML_EXTENSIONS.has(extname(entry.name))) out.push(full);
  }
  return out;
}

/** Reads every YAML document of every file under `paths`, after `${VAR}` substitution. */
export async function loadConfigFiles(
  paths: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const file of await listConfigFiles(paths)) {
    const text = await readFile(file, "utf8");
    resources.push(...parseConfigText(text, file, env));
  }
  return resources;
}

/** Parses multi-document YAML text into resources; `origin` names it in errors. */
export function parseConfigText(
  text: string,
  origin: string,
  env: Readonly<Record<string, string | undefined>>,
): Resource[] {
  const docs = parseAllDocuments(substituteEnv(text, env));
  const resources: Resource[] = [];
  docs.forEach((doc, index) => {
    const source = `${origin}#${index + 1}`;
    if (doc.errors.length > 0) {
      throw new ConfigLoadError(`${source}: invalid YAML: ${doc.errors[0]?.message ?? "parse error"}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document, e.g. a trailing "---"
    resources.push(toResource(value, source));
  });
  return resources;
}

function toResource(value: unknown, source: string): Resource {
  if (typeof value !== "object" || Array.isArray(value) || value === null) {
    throw new ConfigLoadError(`${source}: a document must be a mapping with apiVersion, kind and metadata`);
  }
  const obj = value as Record<string, unknown>;
  const { apiVersion, kind, metadata } = obj;
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw new ConfigLoadError(`${source}: apiVersion: Required value`);
  }
  if (typeof kind !== "string" || kind === "") throw new ConfigLoadError(`${source}: kind: Required value`);
  // The endpoint picker's configuration file has no metadata in real life: it goes unnamed (and
  // then applies to every InferencePool whose picker names no EndpointPickerConfig).
  if (metadata === undefined && kind === UNNAMED_KIND)
    return { ...(obj as Omit<Resource, "source" | "metadata">), metadata: { name: "" }, source };
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ConfigLoadError(`${source}: ${kind}: metadata: Required value`);
  }
  const meta = metadata as Record<string, unknown>;
  if (kind === UNNAMED_KIND && (meta.name === undefined || meta.name === ""))
    return { ...(obj as Omit<Resource, "source">), metadata: { ...meta, name: "" }, source };
  if (typeof meta.name !== "string" || meta.name === "") {
    throw new ConfigLoadError(`${source}: ${kind}: metadata.name: Required value`);
  }
  return { ...(obj as Omit<Resource, "source">), source };
}
