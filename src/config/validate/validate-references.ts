import { collectApiKeyClients } from "../../auth/api-key-clients.js";
import { localJwks } from "../../auth/jwks-keys.js";
import type { JwtProviderSpec } from "../../auth/security-policy-spec.js";
import { PRICE_TABLE_KEY, parsePriceTable } from "../../limits/price-table.js";
import { credentialSecrets, localJwksText } from "../compile-security-policies.js";
import { PRICE_TABLE_ANNOTATION } from "../compile-snapshot.js";
import {
  appliedTargets,
  backendTrafficPolicyOrder,
  isGatewayRef,
  isRouteRef,
} from "../compile-traffic-policies.js";
import type { FieldError } from "../field-error.js";
import { POOL_FALLBACK_ANNOTATION, parsePoolFallback } from "../inference-pool-fallback.js";
import {
  AIGW_GROUP,
  ENVOY_GATEWAY_GROUP,
  GATEWAY_API_GROUP,
  GATEWAY_CONFIG_ANNOTATION,
  groupOf,
  INFERENCE_GROUP,
  INFERENCE_X_GROUP,
  LLM_D_GROUP,
  type Resource,
} from "../resource.js";
import { namespaceOf, ResourceIndex } from "../resource-index.js";
import { describe } from "./kind-registry.js";
import { entries } from "./kind-validator.js";
import { invalidField, notFound } from "./schema-messages.js";
import { isPoolRef, namesInferencePool } from "./validate-http-route.js";
import { findMissingRateLimitCosts } from "./validate-rate-limit-costs.js";
import { TLS_SECRET_KEYS } from "./validate-secret.js";

export interface ReferenceFindings {
  errors: FieldError[];
  warnings: FieldError[];
  /** Objects some checked object refers to (a CA bundle ConfigMap is used, not ignored). */
  used: Set<Resource>;
}

type Ref = Record<string, unknown>;

/** The key API-key credentials are read from. */
const API_KEY = "apiKey";
/** The key of a CA bundle in a ConfigMap or Secret (Gateway API BackendTLSPolicy). */
const CA_KEY = "ca.crt";
/** The key of local JWKS in a ConfigMap (Envoy Gateway LocalJWKS valueRef). */
const JWKS_KEY = "jwks";

/** BackendSecurityPolicy type -> where its Secret reference sits and which key it must hold. */
const POLICY_SECRETS: Record<string, { path: string[]; key: string }> = {
  APIKey: { path: ["apiKey", "secretRef"], key: API_KEY },
  AnthropicAPIKey: { path: ["anthropicAPIKey", "secretRef"], key: API_KEY },
  AzureAPIKey: { path: ["azureAPIKey", "secretRef"], key: API_KEY },
  AWSCredentials: { path: ["awsCredentials", "credentialsFile", "secretRef"], key: "credentials" },
  AzureCredentials: { path: ["azureCredentials", "clientSecretRef"], key: "client-secret" },
  GCPCredentials: { path: ["gcpCredentials", "credentialsFile", "secretRef"], key: "service_account.json" },
};

/**
 * Cross-reference checks: the references of `checked` must resolve among `available` (which also
 * holds objects aigw does not read itself, such as ConfigMaps). What serving needs is an error: a
 * route's backend, a backend's Backend, a credential's Secret, an HTTPS certificate, a CA bundle,
 * a credential policy aimed at an AIServiceBackend that is not there (most likely a typo that
 * leaves the intended backend without credentials), and for the same reason a BackendTrafficPolicy
 * aimed at a route or Gateway that is not there (the route would run without its retries and
 * failover, or without its rate limits), a SecurityPolicy aimed at anything that is not there or
 * whose credential Secrets or JWKS ConfigMap are missing (what it was meant to guard would be
 * open), a rate-limit cost key that a route the limit applies to does not define, and an
 * InferencePool a route sends to (it could not serve). What only decorates is a warning: TLS and
 * client traffic policies aimed at absent objects, a missing GatewayConfig, an endpoint picker
 * Service that is not there (the built-in picker serves every pool), and InferenceObjectives,
 * InferenceModelRewrites or credential policies aimed at a pool that is not there.
 */
export function validateReferences(
  checked: readonly Resource[],
  available: readonly Resource[] = checked,
): ReferenceFindings {
  const checker = new ReferenceChecker(available);
  for (const r of checked) checker.check(r);
  checker.checkPolicyConflicts();
  checker.checkAttachmentConflicts();
  checker.checkRateLimitCosts(new Set(checked));
  return { errors: checker.errors, warnings: checker.warnings, used: checker.used };
}

class ReferenceChecker {
  readonly errors: FieldError[] = [];
  readonly warnings: FieldError[] = [];
  readonly used = new Set<Resource>();
  private readonly index: ResourceIndex;
  private readonly hasGateways: boolean;
  /** AIServiceBackend / InferencePool key -> the policies targeting it, in configuration order. */
  private readonly policiesByTarget = new Map<string, { policy: Resource; path: string }[]>();
  /** Policy kind -> "Gateway ns/name" or "AIGatewayRoute ns/name" -> the policies attached to it. */
  private readonly attachments = new Map<string, Map<string, { policy: Resource; path: string }[]>>();

  constructor(resources: readonly Resource[]) {
    this.index = new ResourceIndex(resources);
    this.hasGateways = resources.some(
      (r) => r.kind === "Gateway" && r.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`),
    );
  }

  check(r: Resource): void {
    const key = `${groupOf(r.apiVersion)}/${r.kind}`;
    if (key === `${AIGW_GROUP}/AIGatewayRoute`) this.checkAIGatewayRoute(r);
    else if (key === `${AIGW_GROUP}/MCPRoute`) this.checkMCPRoute(r);
    else if (key === `${AIGW_GROUP}/AIServiceBackend`) this.checkAIServiceBackend(r);
    else if (key === `${AIGW_GROUP}/BackendSecurityPolicy`) this.checkBackendSecurityPolicy(r);
    else if (key === `${AIGW_GROUP}/QuotaPolicy`) this.checkQuotaPolicy(r);
    else if (key === `${AIGW_GROUP}/GatewayConfig`) this.checkPriceTable(r);
    else if (key === `${GATEWAY_API_GROUP}/Gateway`) this.checkGateway(r);
    else if (key === `${GATEWAY_API_GROUP}/BackendTLSPolicy`) this.checkBackendTLSPolicy(r);
    else if (key === `${ENVOY_GATEWAY_GROUP}/Backend`)
      this.checkCABundles(r, dig(r.spec, ["tls"]), "spec.tls");
    else if (key === `${ENVOY_GATEWAY_GROUP}/ClientTrafficPolicy`) this.checkClientTrafficPolicy(r);
    else if (key === `${ENVOY_GATEWAY_GROUP}/BackendTrafficPolicy`) this.checkBackendTrafficPolicy(r);
    else if (key === `${ENVOY_GATEWAY_GROUP}/SecurityPolicy`) this.checkSecurityPolicy(r);
    else if (key === `${GATEWAY_API_GROUP}/HTTPRoute`) this.checkHTTPRoute(r);
    else if (key === `${INFERENCE_GROUP}/InferencePool`)
      this.checkPicker(r, dig(r.spec, ["endpointPickerRef"]), "spec.endpointPickerRef");
    else if (key === `${INFERENCE_X_GROUP}/InferencePool`)
      this.checkPicker(r, dig(r.spec, ["extensionRef"]), "spec.extensionRef");
    else if (POOL_MEMBERS.has(key)) this.checkPoolMember(r);
  }

  private checkAIGatewayRoute(r: Resource): void {
    this.checkParentRefs(r);
    for (const [i, rule] of entries(r.spec?.rules)) {
      for (const [j, ref] of entries(rule.backendRefs)) {
        const path = `spec.rules[${i}].backendRefs[${j}].name`;
        if (ref.group === INFERENCE_GROUP && ref.kind === "InferencePool") {
          // A missing pool is a warning: like a cluster, the route is served and the rule answers 503
          // (or its fallback serves) until the pool appears. Upstream's guide installs its pool from a
          // Helm chart, so its example routes name pools no file defines.
          this.expectPool(r, ref, path, "warning");
        } else if (ref.group === undefined && ref.kind === undefined) {
          this.expect(r, "AIServiceBackend", ref, path, "error");
        }
      }
    }
    this.checkPoolFallback(r);
  }

  /** An HTTPRoute aigw reads (one that sends to InferencePools, of either group). */
  private checkHTTPRoute(r: Resource): void {
    this.checkParentRefs(r);
    for (const [i, rule] of entries(r.spec?.rules)) {
      for (const [j, ref] of entries(rule.backendRefs)) {
        if (isPoolRef(ref)) this.expectPool(r, ref, `spec.rules[${i}].backendRefs[${j}].name`, "warning");
      }
    }
    this.checkPoolFallback(r);
  }

  /** The InferencePool a route rule sends to, in the group the reference names. */
  private expectPool(r: Resource, ref: Ref, path: string, severity: Severity): void {
    if (typeof ref.name !== "string" || ref.name === "") return;
    const namespace = typeof ref.namespace === "string" ? ref.namespace : namespaceOf(r);
    const group = String(ref.group);
    const found = this.index.getIn(group, "InferencePool", namespace, ref.name);
    if (found) this.used.add(found);
    else
      this.report(r, severity, notFound(path, ref.name, `InferencePool ${namespace}/${ref.name} (${group})`));
  }

  /**
   * aigw's fallback annotation: it must parse and name AIServiceBackends of the route's namespace;
   * on a route without a pool rule it applies to nothing.
   */
  private checkPoolFallback(r: Resource): void {
    const text = r.metadata.annotations?.[POOL_FALLBACK_ANNOTATION];
    if (text === undefined) return;
    const path = `metadata.annotations[${POOL_FALLBACK_ANNOTATION}]`;
    const parsed = parsePoolFallback(String(text));
    if ("error" in parsed) {
      this.report(r, "error", invalidField(path, text, parsed.error));
      return;
    }
    for (const { name } of parsed.tiers.flat()) this.expect(r, "AIServiceBackend", { name }, path, "error");
    const poolRules = entries(r.spec?.rules).some(([, rule]) =>
      entries(rule.backendRefs).some(([, ref]) => isPoolRef(ref)),
    );
    if (!poolRules) {
      this.report(
        r,
        "warning",
        invalidField(
          path,
          text,
          "no rule of this route sends to an InferencePool; the fallback applies to nothing",
        ),
      );
    }
  }

  /**
   * The endpoint picker a pool names: aigw's built-in picker serves every pool, so a Service that
   * is not in the configuration is only worth a warning; an ExternalName Service the Inference
   * Extension forbids.
   */
  private checkPicker(r: Resource, ref: Ref | undefined, path: string): void {
    if (
      !ref ||
      typeof ref.name !== "string" ||
      (ref.kind ?? "Service") !== "Service" ||
      (ref.group ?? "") !== ""
    )
      return;
    const service = this.index.getIn("", "Service", namespaceOf(r), ref.name);
    if (!service) {
      const missing = notFound(`${path}.name`, ref.name, `Service ${namespaceOf(r)}/${ref.name}`);
      this.report(r, "warning", `${missing}; aigw's built-in endpoint picker serves the pool`);
    } else if (dig(service, ["spec"])?.type === "ExternalName") {
      this.report(
        r,
        "error",
        invalidField(
          `${path}.name`,
          ref.name,
          "an ExternalName Service is not supported as an endpoint picker",
        ),
      );
    }
  }

  /** InferenceObjective / InferenceModelRewrite: a pool that is not there leaves them unused. */
  private checkPoolMember(r: Resource): void {
    const ref = dig(r.spec, ["poolRef"]);
    if (!ref || (ref.kind ?? "InferencePool") !== "InferencePool") return;
    this.expectPool(r, { ...ref, group: ref.group ?? INFERENCE_GROUP }, "spec.poolRef.name", "warning");
  }

  private checkMCPRoute(r: Resource): void {
    this.checkParentRefs(r);
    for (const [i, ref] of entries(r.spec?.backendRefs)) {
      const path = `spec.backendRefs[${i}]`;
      if ((ref.kind ?? "Service") === "Backend" && ref.group === ENVOY_GATEWAY_GROUP) {
        this.expect(r, "Backend", ref, `${path}.name`, "error");
      } else if ((ref.kind ?? "Service") === "Service" && (ref.group ?? "") === "") {
        this.report(
          r,
          "warning",
          invalidField(
            `${path}.kind`,
            "Service",
            "aigw cannot resolve Kubernetes Services; use an Envoy Gateway Backend",
          ),
        );
      }
      const secretRef = dig(ref, ["securityPolicy", "apiKey", "secretRef"]);
      if (secretRef)
        this.expectKey(r, secretRef, `${path}.securityPolicy.apiKey.secretRef`, API_KEY, "error");
    }
    const jwks = ["securityPolicy", "oauth", "jwks", "localJWKS"];
    const valueRef = dig(r.spec, [...jwks, "valueRef"]);
    if (valueRef) this.expectKey(r, valueRef, `spec.${jwks.join(".")}.valueRef`, JWKS_KEY, "error");
  }

  private checkAIServiceBackend(r: Resource): void {
    const ref = dig(r.spec, ["backendRef"]);
    if (ref?.kind !== "Backend" || ref.group !== ENVOY_GATEWAY_GROUP) return;
    const backend = this.expect(r, "Backend", ref, "spec.backendRef.name", "error");
    // Requests go to the Backend's first endpoint, so it must be an address with a port.
    const first = entries(backend?.spec?.endpoints)[0]?.[1];
    const address = dig(first, ["fqdn"]) ?? dig(first, ["ip"]);
    if (backend && first && !(typeof address?.port === "number" && address.port > 0)) {
      const detail = `the first endpoint of Backend ${key(backend)} must be an fqdn or ip with a port, which aigw sends to`;
      this.report(r, "error", invalidField("spec.backendRef.name", ref.name, detail));
    }
  }

  private checkBackendSecurityPolicy(r: Resource): void {
    for (const [i, ref] of entries(r.spec?.targetRefs)) {
      const path = `spec.targetRefs[${i}]`;
      const isBackend = ref.group === AIGW_GROUP && ref.kind === "AIServiceBackend";
      const isPool = ref.group === INFERENCE_GROUP && ref.kind === "InferencePool";
      if (!isBackend && !isPool) continue;
      if (typeof ref.name === "string") {
        const target = `${ref.kind}/${namespaceOf(r)}/${ref.name}`;
        const list = this.policiesByTarget.get(target) ?? [];
        list.push({ policy: r, path });
        this.policiesByTarget.set(target, list);
      }
      this.expect(r, String(ref.kind), { name: ref.name }, `${path}.name`, isBackend ? "error" : "warning");
    }
    const secret = POLICY_SECRETS[String(r.spec?.type)];
    const secretRef = secret && dig(r.spec, secret.path);
    if (secret && secretRef) {
      // A policy whose clients must bring their own credential never uses the configured one.
      const override = dig(r.spec, ["credentialOverride"]);
      const source = dig(override, ["fromRequestHeaders"]) ?? dig(override, ["fromDynamicMetadata"]);
      const severity = source?.fallbackToConfigured === false ? "warning" : "error";
      this.expectKey(r, secretRef, `spec.${secret.path.join(".")}`, secret.key, severity);
    }
  }

  /** Two policies on one backend would make its credential ambiguous; the original rejects it. */
  checkPolicyConflicts(): void {
    for (const [target, list] of this.policiesByTarget) {
      const names = [...new Set(list.map((p) => p.policy.metadata.name))];
      if (names.length < 2) continue;
      const [kind, namespace, name] = target.split("/");
      for (const { policy, path } of list.slice(1)) {
        if (policy.metadata.name === list[0]?.policy.metadata.name) continue;
        const detail = `multiple BackendSecurityPolicies found for ${kind} ${namespace}/${name}: [${names.join(" ")}]`;
        this.report(policy, "error", invalidField(path, `${kind}/${name}`, detail));
      }
    }
  }

  private checkQuotaPolicy(r: Resource): void {
    for (const [i, ref] of entries(r.spec?.targetRefs)) {
      if (ref.group === AIGW_GROUP && ref.kind === "AIServiceBackend") {
        this.expect(r, "AIServiceBackend", { name: ref.name }, `spec.targetRefs[${i}].name`, "error");
      }
    }
  }

  /** aigw's price table: a ConfigMap whose prices.yaml parses (cost CEL reads it as price_micros). */
  private checkPriceTable(r: Resource): void {
    const name = r.metadata.annotations?.[PRICE_TABLE_ANNOTATION];
    if (name === undefined) return;
    const path = `metadata.annotations[${PRICE_TABLE_ANNOTATION}]`;
    const map = this.expect(r, "ConfigMap", { name }, path, "error");
    if (!map) return;
    const text = map.data?.[PRICE_TABLE_KEY];
    if (typeof text !== "string") {
      this.report(
        r,
        "error",
        invalidField(path, name, `ConfigMap ${key(map)} has no key "${PRICE_TABLE_KEY}"`),
      );
      return;
    }
    try {
      parsePriceTable(text);
    } catch (err) {
      this.report(r, "error", invalidField(path, name, `ConfigMap ${key(map)}: ${(err as Error).message}`));
    }
  }

  private checkGateway(r: Resource): void {
    for (const [i, listener] of entries(r.spec?.listeners)) {
      if (listener.protocol !== "HTTPS") continue;
      for (const [j, ref] of entries(dig(listener, ["tls"])?.certificateRefs)) {
        if ((ref.kind ?? "Secret") !== "Secret" || (ref.group ?? "") !== "") continue;
        const path = `spec.listeners[${i}].tls.certificateRefs[${j}]`;
        const secret = this.expect(r, "Secret", ref, `${path}.name`, "error");
        if (!secret) continue;
        if (secret.type !== "kubernetes.io/tls") {
          this.report(
            r,
            "error",
            invalidField(`${path}.name`, ref.name, `Secret ${key(secret)} is not of type kubernetes.io/tls`),
          );
        }
        for (const k of TLS_SECRET_KEYS) this.expectKey(r, ref, path, k, "error");
      }
    }
    const configName = r.metadata.annotations?.[GATEWAY_CONFIG_ANNOTATION];
    if (configName) {
      this.expect(
        r,
        "GatewayConfig",
        { name: configName },
        `metadata.annotations[${GATEWAY_CONFIG_ANNOTATION}]`,
        "warning",
      );
    }
  }

  private checkBackendTLSPolicy(r: Resource): void {
    for (const [i, ref] of entries(r.spec?.targetRefs)) {
      if (ref.group === ENVOY_GATEWAY_GROUP && ref.kind === "Backend") {
        this.expect(r, "Backend", { name: ref.name }, `spec.targetRefs[${i}].name`, "warning");
      }
    }
    this.checkCABundles(r, dig(r.spec, ["validation"]), "spec.validation");
  }

  /** caCertificateRefs: without its CA the gateway cannot verify the upstream, so each must resolve. */
  private checkCABundles(r: Resource, holder: Ref | undefined, path: string): void {
    for (const [i, ref] of entries(holder?.caCertificateRefs)) {
      if ((ref.group ?? "") !== "") continue;
      this.expectKey(r, ref, `${path}.caCertificateRefs[${i}]`, CA_KEY, "error");
    }
  }

  private checkClientTrafficPolicy(r: Resource): void {
    const refs = entries(r.spec?.targetRefs);
    const single = dig(r.spec, ["targetRef"]);
    if (single) refs.push([-1, single]);
    for (const [i, ref] of refs) {
      if (ref.group !== GATEWAY_API_GROUP || ref.kind !== "Gateway") continue;
      const path = i < 0 ? "spec.targetRef.name" : `spec.targetRefs[${i}].name`;
      this.expect(r, "Gateway", { name: ref.name }, path, "warning");
    }
  }

  /**
   * A BackendTrafficPolicy's targets; a Gateway target must name a Gateway of the configuration
   * once it has any, or when the policy sets a rate limit (which would otherwise limit nothing,
   * unnoticed).
   */
  private checkBackendTrafficPolicy(r: Resource): void {
    this.checkPolicyTargets(r, this.hasGateways || dig(r.spec, ["rateLimit"]) ? "error" : "warning");
  }

  /**
   * A SecurityPolicy: every target must be there, a Gateway too (a policy meant for something
   * that is not there leaves what was meant unprotected), its credential Secrets must exist and
   * give a consistent set of consumers, and a `localJWKS` ConfigMap must hold a key set.
   */
  private checkSecurityPolicy(r: Resource): void {
    this.checkPolicyTargets(r, "error");
    const credentials = entries(dig(r.spec, ["apiKeyAuth"])?.credentialRefs);
    let resolved = credentials.length > 0;
    for (const [i, ref] of credentials) {
      const path = `spec.apiKeyAuth.credentialRefs[${i}]`;
      if ((ref.kind ?? "Secret") !== "Secret" || (ref.group ?? "") !== "") {
        this.report(
          r,
          "error",
          invalidField(`${path}.kind`, ref.kind ?? "", "credentials are read from Secrets"),
        );
        resolved = false;
        continue;
      }
      const secret = this.expect(r, "Secret", ref, `${path}.name`, "error");
      if (!secret) {
        resolved = false;
        continue;
      }
      const data = this.index.secret(namespaceOf(secret), secret.metadata.name) ?? {};
      for (const [client, apiKey] of Object.entries(data)) {
        if (apiKey.trim() !== "") continue;
        const detail = `Secret ${key(secret)} has an empty key for client ${client}: no request authenticates as ${client}`;
        this.report(r, "warning", invalidField(`${path}.name`, ref.name, detail));
      }
    }
    if (resolved) {
      try {
        collectApiKeyClients(credentialSecrets(r, this.index));
      } catch (err) {
        this.report(
          r,
          "error",
          invalidField("spec.apiKeyAuth.credentialRefs", "array", (err as Error).message),
        );
      }
    }
    const detection = this.index.list("ClientTrafficPolicy").find((p) => dig(p.spec, ["clientIPDetection"]));
    for (const [i, rule] of entries(dig(r.spec, ["authorization"])?.rules)) {
      if (!detection || !Array.isArray(dig(rule, ["principal"])?.clientCIDRs)) continue;
      const detail = `aigw matches clientCIDRs against the TCP peer's address, but ClientTrafficPolicy ${key(detection)} sets clientIPDetection, which aigw does not apply: behind a proxy every client would have the proxy's address`;
      this.report(
        r,
        "error",
        invalidField(`spec.authorization.rules[${i}].principal.clientCIDRs`, "array", detail),
      );
    }
    for (const [i, provider] of entries(dig(r.spec, ["jwt"])?.providers)) {
      const local = dig(provider, ["localJWKS"]);
      const valueRef = dig(local, ["valueRef"]);
      if (local?.type !== "ValueRef" || !valueRef) continue;
      const path = `spec.jwt.providers[${i}].localJWKS.valueRef.name`;
      if (!this.expect(r, "ConfigMap", { name: valueRef.name }, path, "error")) continue;
      try {
        localJwks(localJwksText(r, provider as unknown as JwtProviderSpec, this.index));
      } catch (err) {
        this.report(r, "error", invalidField(path, valueRef.name, (err as Error).message));
      }
    }
  }

  /**
   * A policy's targets (BackendTrafficPolicy, SecurityPolicy): a route target (kind HTTPRoute,
   * named after the AIGatewayRoute whose HTTPRoute the original generates, or kind
   * AIGatewayRoute) must name an AIGatewayRoute of the policy's namespace; a Gateway target a
   * Gateway of it (a missing one is reported with `gatewaySeverity`). An HTTPRoute of the files
   * that sends to an InferencePool is served, so it is a target like a route; another HTTPRoute
   * of the files is no error, but aigw does not serve it. The targets that attach are noted for
   * checkAttachmentConflicts.
   */
  private checkPolicyTargets(r: Resource, gatewaySeverity: Severity): void {
    const namespace = namespaceOf(r);
    const refs: [string, Ref][] = entries(r.spec?.targetRefs).map(([i, ref]) => [
      `spec.targetRefs[${i}]`,
      ref,
    ]);
    const single = dig(r.spec, ["targetRef"]);
    if (single) refs.unshift(["spec.targetRef", single]);
    const applied = new Set(appliedTargets(r));
    for (const [path, ref] of refs) {
      if (typeof ref.name !== "string" || ref.name === "") continue;
      const target = `${namespace}/${ref.name}`;
      if (isGatewayRef(ref)) {
        const found = this.expect(r, "Gateway", { name: ref.name }, `${path}.name`, gatewaySeverity);
        if (found && applied.has(ref)) this.addAttachment(`Gateway ${target}`, r, path);
      } else if (isRouteRef(ref)) {
        const route = this.index.get("AIGatewayRoute", namespace, ref.name);
        const httpRoute = this.index.get("HTTPRoute", namespace, ref.name);
        const servedHttpRoute =
          ref.kind === "HTTPRoute" &&
          httpRoute &&
          groupOf(httpRoute.apiVersion) === GATEWAY_API_GROUP &&
          namesInferencePool(httpRoute);
        if (servedHttpRoute) {
          this.used.add(httpRoute);
          if (applied.has(ref)) this.addAttachment(`HTTPRoute ${target}`, r, path);
        } else if (route) {
          this.used.add(route);
          if (applied.has(ref)) this.addAttachment(`AIGatewayRoute ${target}`, r, path);
        } else if (
          ref.kind === "HTTPRoute" &&
          httpRoute &&
          groupOf(httpRoute.apiVersion) === GATEWAY_API_GROUP
        ) {
          const detail = `HTTPRoute ${target} is not served by aigw (it serves AIGatewayRoutes); this target applies to nothing`;
          this.report(r, "warning", invalidField(`${path}.name`, ref.name, detail));
        } else {
          const what =
            ref.kind === "HTTPRoute"
              ? `AIGatewayRoute ${target}, whose generated HTTPRoute this targets,`
              : `AIGatewayRoute ${target}`;
          this.report(r, "error", notFound(`${path}.name`, ref.name, what));
        }
      }
    }
  }

  private addAttachment(target: string, policy: Resource, path: string): void {
    let byTarget = this.attachments.get(policy.kind);
    if (!byTarget) {
      byTarget = new Map();
      this.attachments.set(policy.kind, byTarget);
    }
    const list = byTarget.get(target) ?? [];
    if (!list.some((p) => p.policy === policy)) list.push({ policy, path });
    byTarget.set(target, list);
  }

  /**
   * Two policies of one kind on one target: as Envoy Gateway, the oldest (then by namespace and
   * name) attaches and the others do not, which a warning on each of those says.
   */
  checkAttachmentConflicts(): void {
    for (const [kind, byTarget] of this.attachments) {
      for (const [target, list] of byTarget) {
        if (list.length < 2) continue;
        const sorted = [...list].sort((a, b) => backendTrafficPolicyOrder(a.policy, b.policy));
        const winner = sorted[0]!.policy;
        for (const { policy, path } of sorted.slice(1)) {
          const detail = `Unable to target ${target}, another ${kind} (${key(winner)}) has already attached to it`;
          this.report(policy, "warning", invalidField(path, "object", detail));
        }
      }
    }
  }

  /** The cost keys of rate-limit rules must be defined on every route they apply to. */
  checkRateLimitCosts(checked: ReadonlySet<Resource>): void {
    for (const { policy, message } of findMissingRateLimitCosts(this.index)) {
      if (checked.has(policy)) this.report(policy, "error", message);
    }
  }

  /** parentRefs must name Gateways of the configuration, once it has any (files may omit them). */
  private checkParentRefs(r: Resource): void {
    if (!this.hasGateways) return;
    for (const [i, ref] of entries(r.spec?.parentRefs)) {
      if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? "Gateway") !== "Gateway")
        continue;
      this.expect(r, "Gateway", ref, `spec.parentRefs[${i}].name`, "error");
    }
  }

  /** The referenced object, reporting it as missing when it is not there. */
  private expect(
    r: Resource,
    kind: string,
    ref: Ref,
    path: string,
    severity: Severity,
  ): Resource | undefined {
    if (typeof ref.name !== "string" || ref.name === "") return undefined;
    const namespace = typeof ref.namespace === "string" ? ref.namespace : namespaceOf(r);
    const found = this.index.get(kind, namespace, ref.name);
    if (found) this.used.add(found);
    else this.report(r, severity, notFound(path, ref.name, `${kind} ${namespace}/${ref.name}`));
    return found;
  }

  /**
   * A Secret (the default kind) or ConfigMap reference: it must exist and hold `wanted`. An empty
   * value is only a warning, as an unset `${VAR}` leaves one and local upstreams need no key.
   */
  private expectKey(r: Resource, ref: Ref, path: string, wanted: string, severity: Severity): void {
    const kind = String(ref.kind ?? "Secret");
    if (kind !== "Secret" && kind !== "ConfigMap") return;
    const found = this.expect(r, kind, ref, `${path}.name`, severity);
    if (!found) return;
    const namespace = typeof ref.namespace === "string" ? ref.namespace : namespaceOf(r);
    const data = kind === "Secret" ? this.index.secret(namespace, found.metadata.name) : found.data;
    const value: unknown = data?.[wanted];
    const object = `${kind} ${namespace}/${found.metadata.name}`;
    if (value === undefined) {
      this.report(r, severity, invalidField(`${path}.name`, ref.name, `${object} has no key "${wanted}"`));
    } else if (String(value ?? "").trim() === "") {
      this.report(r, "warning", invalidField(`${path}.name`, ref.name, `${object} has an empty "${wanted}"`));
    }
  }

  private report(r: Resource, severity: Severity, message: string): void {
    const finding = { object: describe(r), source: r.source, message };
    (severity === "error" ? this.errors : this.warnings).push(finding);
  }
}

type Severity = "error" | "warning";

/** "group/Kind" of the kinds that name a pool by poolRef. */
const POOL_MEMBERS = new Set(
  [LLM_D_GROUP, INFERENCE_X_GROUP].flatMap((g) => [`${g}/InferenceObjective`, `${g}/InferenceModelRewrite`]),
);

function key(r: Resource): string {
  return `${namespaceOf(r)}/${r.metadata.name}`;
}

/** The object at `path` under `value`, or undefined when any step is missing or not an object. */
function dig(value: unknown, path: readonly string[]): Ref | undefined {
  let current = value;
  for (const step of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Ref)[step];
  }
  return typeof current === "object" && current !== null && !Array.isArray(current)
    ? (current as Ref)
    : undefined;
}
