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
 * Kinds are indexed without their API group, and with it for the kinds that exist in two groups
 * (InferencePool v1 and v1alpha2, InferenceObjective): `getIn` tells them apart.
 */
export class ResourceIndex {
  private readonly byKind = new Map<string, Map<string, Resource>>();
  private readonly byGroupKind = new Map<string, Map<string, Resource>>();

  constructor(readonly all: readonly Resource[]) {
    for (const r of all) {
      const key = keyOf(r.metadata.namespace, r.metadata.name);
      add(this.byKind, r.kind, key, r);
      add(this.byGroupKind, `${groupOf(r.apiVersion)}/${r.kind}`, key, r);
    }
  }

  /** The object of `kind` in API `group` ("" for core). */
  getIn(group: string, kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.byGroupKind.get(`${group}/${kind}`)?.get(keyOf(namespace, name));
  }

  /** Every object of `kind` in API `group`. */
  listIn(group: string, kind: string): Resource[] {
    return [...(this.byGroupKind.get(`${group}/${kind}`)?.values() ?? [])];
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

function add(map: Map<string, Map<string, Resource>>, kind: string, key: string, r: Resource): void {
  let byKey = map.get(kind);
  if (!byKey) {
    byKey = new Map();
    map.set(kind, byKey);
  }
  byKey.set(key, r);
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
