import { awsSigningService } from "../credentials/aws-signing-service.js";
import { type CredentialFactories, compileCredentials } from "../credentials/compile-credentials.js";
import type { CredentialInjector } from "../credentials/credential-injector.js";
import { genAiProviderName } from "../providers/gen-ai-provider-name.js";
import type { BackendSchema, BackendSchemaName, SchemaTranslators } from "../providers/translator.js";
import type { DispatcherCache, OriginSettings } from "../upstream/dispatcher-cache.js";
import type { BodyMutationSpec, MutationSpec } from "./compile-routes.js";
import type { Resource } from "./resource.js";
import type { ResourceIndex } from "./resource-index.js";
import type { CompiledBackend } from "./snapshot.js";

interface AIServiceBackendSpec {
  schema?: { name?: string; prefix?: string; version?: string };
  backendRef?: { name?: string; namespace?: string };
  headerMutation?: MutationSpec;
  bodyMutation?: BodyMutationSpec;
}

interface EndpointSpec {
  fqdn?: { hostname: string; port: number };
  ip?: { address: string; port: number };
}

/** A BackendSecurityPolicy's injector for one target, and the policy's "namespace/name". */
export interface TargetCredentials {
  readonly injector: CredentialInjector;
  readonly policy: string;
}

export interface CompiledBackends {
  backends: Map<string, CompiledBackend>;
  /** Credentials of the policies that target an InferencePool, by the pool's "namespace/name" (compilePools). */
  poolCredentials: Map<string, TargetCredentials>;
  mutations: Map<string, { header?: MutationSpec; body?: BodyMutationSpec }>;
  origins: OriginSettings[];
}

/** Compiles every AIServiceBackend with its Envoy Gateway Backend, TLS policy and credentials. */
export interface BackendCompileContext {
  dispatchers: DispatcherCache;
  env: Readonly<Record<string, string | undefined>>;
  /** Translators of every schema the configuration uses (loaded beforehand). */
  translators: ReadonlyMap<BackendSchemaName, SchemaTranslators>;
  credentialFactories: CredentialFactories;
  warn: (message: string) => void;
}

export function compileBackends(index: ResourceIndex, ctx: BackendCompileContext): CompiledBackends {
  const { dispatchers, warn } = ctx;
  const { backends: credentials, pools: poolCredentials } = credentialsByTarget(index, ctx);
  const backends = new Map<string, CompiledBackend>();
  const mutations = new Map<string, { header?: MutationSpec; body?: BodyMutationSpec }>();
  const origins: OriginSettings[] = [];
  for (const r of index.list("AIServiceBackend")) {
    const spec = (r.spec ?? {}) as AIServiceBackendSpec;
    const namespace = r.metadata.namespace ?? "default";
    const key = `${namespace}/${r.metadata.name}`;
    const ref = spec.backendRef ?? {};
    const target = ref.name ? index.get("Backend", ref.namespace ?? namespace, ref.name) : undefined;
    if (!target)
      throw new Error(`AIServiceBackend ${key}: spec.backendRef: Backend ${ref.name ?? ""} not found`);
    const origin = originOf(target, index);
    origins.push(origin.settings);
    const schema = schemaOf(spec);
    backends.set(key, {
      key,
      schema,
      providerName: genAiProviderName(schema.name),
      translators: ctx.translators.get(schema.name) ?? {},
      origin: origin.settings.origin,
      hostHeader: origin.hostHeader,
      dispatcher: dispatchers.get(origin.settings),
      credentials: credentials.get(key)?.injector,
      credentialPolicy: credentials.get(key)?.policy,
    });
    mutations.set(key, { header: spec.headerMutation, body: spec.bodyMutation });
    if (spec.schema?.name && !credentials.has(key) && spec.schema.name !== "OpenAI") {
      warn(
        `AIServiceBackend ${key}: no BackendSecurityPolicy targets it; requests go upstream without credentials`,
      );
    }
  }
  return { backends, poolCredentials, mutations, origins };
}

/**
 * The schema names the AIServiceBackends of a configuration use (OpenAI when unset), and OpenAI
 * when it has an InferencePool (its endpoints are model servers speaking OpenAI).
 */
export function schemasUsed(resources: readonly Resource[]): Set<BackendSchemaName> {
  const names = new Set<BackendSchemaName>();
  for (const r of resources) {
    if (r.kind === "InferencePool") names.add("OpenAI");
    if (r.kind !== "AIServiceBackend") continue;
    names.add(schemaOf((r.spec ?? {}) as AIServiceBackendSpec).name);
  }
  return names;
}

function schemaOf(spec: AIServiceBackendSpec): BackendSchema {
  const schema: BackendSchema = { name: (spec.schema?.name ?? "OpenAI") as BackendSchemaName };
  if (spec.schema?.prefix) schema.prefix = spec.schema.prefix;
  if (spec.schema?.version) schema.version = spec.schema.version;
  return schema;
}

/** The upstream origin of an Envoy Gateway Backend (its first endpoint) and how to secure it. */
export function originOf(
  backend: Resource,
  index: ResourceIndex,
): { settings: OriginSettings; hostHeader: string } {
  const spec = (backend.spec ?? {}) as { endpoints?: EndpointSpec[]; tls?: BackendTls };
  const endpoint = spec.endpoints?.[0];
  const name = `${backend.metadata.namespace ?? "default"}/${backend.metadata.name}`;
  const host = endpoint?.fqdn?.hostname ?? endpoint?.ip?.address;
  const port = endpoint?.fqdn?.port ?? endpoint?.ip?.port;
  if (!host || !port) throw new Error(`Backend ${name}: spec.endpoints[0] needs an fqdn or ip with a port`);
  const tls = tlsFor(backend, index, host, port);
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const scheme = tls ? "https" : "http";
  const defaultPort = tls ? 443 : 80;
  const settings: OriginSettings = { origin: `${scheme}://${hostPart}:${port}`, ...tls };
  return {
    settings,
    hostHeader: endpoint?.fqdn && port === defaultPort ? host : `${hostPart}:${port}`,
  };
}

interface BackendTls {
  insecureSkipVerify?: boolean;
  caCertificateRefs?: { name: string; kind?: string; namespace?: string }[];
  wellKnownCACertificates?: string;
  sni?: string;
}

/**
 * TLS settings from a BackendTLSPolicy targeting the Backend, or the Backend's own spec.tls.
 * Deviation from Envoy: an fqdn on port 443 without any TLS configuration still speaks TLS with the
 * system CAs, because plaintext to 443 is never what a user meant (docs/deviations.md).
 */
function tlsFor(
  backend: Resource,
  index: ResourceIndex,
  host: string,
  port: number,
): Omit<OriginSettings, "origin"> | undefined {
  const namespace = backend.metadata.namespace ?? "default";
  const policy = index
    .list("BackendTLSPolicy")
    .find((p) =>
      ((p.spec?.targetRefs as { kind?: string; name?: string }[] | undefined) ?? []).some(
        (t) =>
          t.kind === "Backend" &&
          t.name === backend.metadata.name &&
          (p.metadata.namespace ?? "default") === namespace,
      ),
    );
  if (policy) {
    const validation = (policy.spec?.validation ?? {}) as {
      hostname?: string;
      caCertificateRefs?: { name: string; kind?: string }[];
    };
    return {
      servername: validation.hostname ?? host,
      ca: caBundle(validation.caCertificateRefs, namespace, index),
    };
  }
  const own = (backend.spec as { tls?: BackendTls } | undefined)?.tls;
  if (own) {
    return {
      servername: own.sni ?? host,
      ca: caBundle(own.caCertificateRefs, namespace, index),
      insecureSkipVerify: own.insecureSkipVerify === true,
    };
  }
  if (port === 443) return { servername: host };
  return undefined;
}

/** CA certificates from ConfigMaps (key ca.crt) or Secrets; undefined = the system CAs. */
function caBundle(
  refs: { name: string; kind?: string; namespace?: string }[] | undefined,
  namespace: string,
  index: ResourceIndex,
): string | undefined {
  if (!refs?.length) return undefined;
  const pems: string[] = [];
  for (const ref of refs) {
    const ns = ref.namespace ?? namespace;
    const pem =
      ref.kind === "Secret"
        ? index.secret(ns, ref.name)?.["ca.crt"]
        : (index.get("ConfigMap", ns, ref.name) as (Resource & { data?: Record<string, string> }) | undefined)
            ?.data?.["ca.crt"];
    // Falling back to the system CAs would silently trust a different set than the user asked for.
    if (!pem)
      throw new Error(`CA certificate ${ref.kind ?? "ConfigMap"} ${ns}/${ref.name} (key ca.crt) not found`);
    pems.push(pem);
  }
  return pems.join("\n");
}

/**
 * The credential injector of every AIServiceBackend and InferencePool a BackendSecurityPolicy
 * targets. A policy is compiled once per AWS signing service its targets need
 * (aws-signing-service.ts: Bedrock's or SageMaker's, by the target's schema; a pool's endpoints
 * speak OpenAI), so one policy can serve both kinds of backend.
 */
function credentialsByTarget(
  index: ResourceIndex,
  ctx: BackendCompileContext,
): { backends: Map<string, TargetCredentials>; pools: Map<string, TargetCredentials> } {
  const out = new Map<string, TargetCredentials>();
  const pools = new Map<string, TargetCredentials>();
  for (const policy of index.list("BackendSecurityPolicy")) {
    const namespace = policy.metadata.namespace ?? "default";
    const targets = (policy.spec?.targetRefs as { kind?: string; name?: string }[] | undefined) ?? [];
    const byService = new Map<string, CredentialInjector>();
    const injectorFor = (service: string): CredentialInjector => {
      let injector = byService.get(service);
      if (!injector) {
        injector = compileCredentials(policy, index, ctx.env, ctx.credentialFactories, service);
        byService.set(service, injector);
      }
      return injector;
    };
    // Compiled up front for Bedrock as before, so a policy's configuration errors surface even when
    // it targets nothing. Only AWS signing depends on the target; other types stay one injector.
    injectorFor("bedrock");
    const perService = policy.spec?.type === "AWSCredentials";
    const name = `${namespace}/${policy.metadata.name}`;
    for (const t of targets) {
      if (t.kind === "InferencePool" && t.name) {
        const injector = injectorFor(perService ? awsSigningService("OpenAI") : "bedrock");
        pools.set(`${namespace}/${t.name}`, { injector, policy: name });
        continue;
      }
      if ((t.kind ?? "AIServiceBackend") !== "AIServiceBackend" || !t.name) continue;
      const target = perService
        ? (index.get("AIServiceBackend", namespace, t.name)?.spec as AIServiceBackendSpec | undefined)
        : undefined;
      const injector = injectorFor(perService ? awsSigningService(target?.schema?.name) : "bedrock");
      out.set(`${namespace}/${t.name}`, { injector, policy: name });
    }
  }
  return { backends: out, pools };
}
