import {
  AIGW_GROUP,
  DEFAULT_NAMESPACE,
  GATEWAY_CONFIG_ANNOTATION,
  groupOf,
  keyOf,
  type Resource,
} from "./resource.js";

/**
 * Resources indexed by kind and "namespace/name", so compilation resolves references in O(1).
 * Kinds are indexed without their API group; the few kinds that exist in two groups are not ones
 * we read.
 */
export class ResourceIndex {
  private readonly byKind = new Map<string, Map<string, Resource>>();

  constructor(readonly all: readonly Resource[]) {
    for (const r of all) {
      let kind = this.byKind.get(r.kind);
      if (!kind) {
        kind = new Map();
        this.byKind.set(r.kind, kind);
      }
      kind.set(keyOf(r.metadata.namespace, r.metadata.name), r);
    }
  }

  list(kind: string): Resource[] {
    return [...(this.byKind.get(kind)?.values() ?? [])];
  }

  get(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.byKind.get(kind)?.get(keyOf(namespace, name));
  }

  /** A Secret's decoded key/value pairs (`data` is base64, `stringData` wins, as Kubernetes merges them). */
  secret(namespace: string | undefined, name: string): Record<string, string> | undefined {
    const s = this.get("Secret", namespace, name);
    if (!s || groupOf(s.apiVersion) !== "") return undefined;
    const out: Record<string, string> = {};
    // An unset ${VAR} leaves a YAML null: that is an empty value, not the text "null".
    for (const [k, v] of Object.entries(s.data ?? {}))
      out[k] = Buffer.from(String(v ?? ""), "base64").toString("utf8");
    for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = String(v ?? "");
    return out;
  }
}

export function namespaceOf(r: Resource): string {
  return r.metadata.namespace ?? DEFAULT_NAMESPACE;
}

/** The GatewayConfig a Gateway names by annotation (in its namespace), if it is in the index. */
export function gatewayConfigOf(index: ResourceIndex, gateway: Resource | undefined): Resource | undefined {
  const name = gateway?.metadata.annotations?.[GATEWAY_CONFIG_ANNOTATION];
  const config = name && gateway ? index.get("GatewayConfig", namespaceOf(gateway), name) : undefined;
  return config && groupOf(config.apiVersion) === AIGW_GROUP ? config : undefined;
}
