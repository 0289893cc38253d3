import { loadCredentialFactories } from "../credentials/compile-credentials.js";
import type { LimitStores } from "../limits/token-limit-policy.js";
import { loadSchemaTranslators } from "../providers/registry.js";
import type { BackendSchemaName, SchemaTranslators } from "../providers/translator.js";
import type { DispatcherCache } from "../upstream/dispatcher-cache.js";
import { schemasUsed } from "./compile-backends.js";
import { type CompileOptions, compileSnapshot } from "./compile-snapshot.js";
import { formatFieldError } from "./field-error.js";
import { loadConfigFiles, parseConfigText } from "./load-config-files.js";
import type { Resource } from "./resource.js";
import type { RuntimeSnapshot } from "./snapshot.js";
import { validateResources } from "./validate/validate-resources.js";

/**
 * Where configuration comes from: files/directories, or YAML text (autoconfig, tests); `extra`
 * adds resources made from what was read (the MCPRoute of `--mcp-config`) at every load.
 */
export type ConfigSource = ({ paths: readonly string[] } | { text: string; origin: string }) & {
  extra?: (loaded: readonly Resource[]) => Resource[];
};

/** The configuration cannot be used; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface LoadSnapshotOptions {
  env: Readonly<Record<string, string | undefined>>;
  generation: number;
  dispatchers: DispatcherCache;
  defaultCreatedAt: number;
  /** Where token-limit counters live (they outlive snapshots); default: fresh in-process stores. */
  limitStores?: LimitStores;
  warn: (message: string) => void;
  /** How MCPRoute securityPolicies compile (CompileOptions.mcpAccessOf). */
  mcpAccessOf?: CompileOptions["mcpAccessOf"];
}

/** Reads, validates and compiles the configuration. Throws ConfigError; never half-applies. */
export async function loadSnapshot(
  source: ConfigSource,
  options: LoadSnapshotOptions,
): Promise<RuntimeSnapshot> {
  let resources: Resource[];
  try {
    resources =
      "paths" in source
        ? await loadConfigFiles(source.paths, options.env)
        : parseConfigText(source.text, source.origin, options.env);
    if (source.extra) resources.push(...source.extra(resources));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const { errors, warnings, ignored, ignoredResources } = validateResources(resources);
  if (errors.length > 0) throw new ConfigError(errors.map(formatFieldError).join("\n"));
  for (const w of warnings) options.warn(formatFieldError(w));
  // Load the code of the providers this configuration uses, and only that.
  const translators = new Map<BackendSchemaName, SchemaTranslators>();
  for (const schema of schemasUsed(resources)) translators.set(schema, await loadSchemaTranslators(schema));
  const policyTypes = new Set(
    resources.filter((r) => r.kind === "BackendSecurityPolicy").map((r) => String(r.spec?.type ?? "")),
  );
  const credentialFactories = await loadCredentialFactories(policyTypes);
  try {
    return compileSnapshot(resources, {
      generation: options.generation,
      dispatchers: options.dispatchers,
      env: options.env,
      translators,
      credentialFactories,
      defaultCreatedAt: options.defaultCreatedAt,
      limitStores: options.limitStores,
      ignored,
      ignoredResources,
      warn: options.warn,
      ...(options.mcpAccessOf ? { mcpAccessOf: options.mcpAccessOf } : {}),
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}
