import {
  type ClientSelectorSpec,
  compileClientSelectors,
  selectsCredential,
  selectsDistinct,
} from "./client-selector.js";
import { type CostExpression, compileCostExpression } from "./compile-cost-expression.js";
import { QUOTA_DURATION_MS } from "./fixed-window.js";
import type { PriceTable } from "./price-table.js";
import type { LimitRule } from "./rate-limit-rule.js";

/** The quotas of one model (or of the whole backend: serviceQuota), with the cost they count. */
export interface QuotaSet {
  /** The QuotaPolicy's costExpression (default `total_tokens`). */
  readonly cost: CostExpression;
  /** defaultBucket (selects every request) and each bucketRule; every selected one is checked and charged. */
  readonly rules: readonly LimitRule[];
}

/** What the QuotaPolicies aimed at one AIServiceBackend ask for. */
export interface BackendQuotas {
  /** By the model sent upstream (after modelNameOverride). */
  readonly perModel: ReadonlyMap<string, QuotaSet>;
  readonly service: QuotaSet | undefined;
}

interface QuotaValue {
  limit?: number;
  duration?: string;
}
interface QuotaPolicySpec {
  targetRefs?: { name?: string; kind?: string; group?: string }[];
  serviceQuota?: { costExpression?: string; quota?: QuotaValue };
  perModelQuotas?: {
    modelName?: string;
    quota?: {
      costExpression?: string;
      defaultBucket?: QuotaValue;
      bucketRules?: { clientSelectors?: ClientSelectorSpec[]; quota?: QuotaValue; shadowMode?: boolean }[];
    };
  }[];
}

export interface QuotaPolicyInput {
  /** "namespace/name". */
  key: string;
  namespace: string;
  spec: QuotaPolicySpec;
}

const DEFAULT_COST = "total_tokens";

/**
 * QuotaPolicies (validated) -> the quotas of each AIServiceBackend ("namespace/name"). As upstream,
 * when two policies give the same backend a quota for the same model, the alphabetically first
 * `namespace/name` wins; the same goes for serviceQuota.
 */
export function compileQuotaPolicies(
  policies: readonly QuotaPolicyInput[],
  prices?: PriceTable,
): Map<string, BackendQuotas> {
  const perBackend = new Map<string, { perModel: Map<string, QuotaSet>; service: QuotaSet | undefined }>();
  const ordered = [...policies].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const policy of ordered) {
    for (const ref of policy.spec.targetRefs ?? []) {
      if (ref.kind !== "AIServiceBackend" || !ref.name) continue;
      const backendKey = `${policy.namespace}/${ref.name}`;
      let entry = perBackend.get(backendKey);
      if (!entry) {
        entry = { perModel: new Map(), service: undefined };
        perBackend.set(backendKey, entry);
      }
      const service = policy.spec.serviceQuota;
      if (service?.quota && !entry.service) {
        const prefix = `aigw:quota:${backendKey}:service:`;
        entry.service = {
          cost: compileCostExpression(service.costExpression ?? DEFAULT_COST, prices),
          rules: [bucket(`QuotaPolicy ${policy.key} serviceQuota`, prefix, undefined, service.quota, false)],
        };
      }
      for (const [i, perModel] of (policy.spec.perModelQuotas ?? []).entries()) {
        const model = perModel.modelName;
        if (!model || entry.perModel.has(model) || !perModel.quota) continue;
        const quota = perModel.quota;
        const id = `QuotaPolicy ${policy.key} perModelQuotas[${i}]`;
        const prefix = `aigw:quota:${backendKey}:model:${encodeURIComponent(model)}:`;
        const rules: LimitRule[] = [];
        if (quota.defaultBucket) {
          rules.push(
            bucket(`${id}.defaultBucket`, `${prefix}default:`, undefined, quota.defaultBucket, false),
          );
        }
        for (const [j, rule] of (quota.bucketRules ?? []).entries()) {
          if (!rule.quota) continue;
          const ruleId = `${id}.bucketRules[${j}]`;
          rules.push(
            bucket(ruleId, `${prefix}rule${j}:`, rule.clientSelectors, rule.quota, rule.shadowMode === true),
          );
        }
        entry.perModel.set(model, {
          cost: compileCostExpression(quota.costExpression ?? DEFAULT_COST, prices),
          rules,
        });
      }
    }
  }
  return perBackend;
}

function bucket(
  id: string,
  keyPrefix: string,
  selectors: ClientSelectorSpec[] | undefined,
  quota: QuotaValue,
  shadow: boolean,
): LimitRule {
  return Object.freeze({
    id,
    keyPrefix,
    select: compileClientSelectors(selectors),
    limit: quota.limit ?? 0,
    windowMs: QUOTA_DURATION_MS[quota.duration ?? "1h"] ?? QUOTA_DURATION_MS["1h"]!,
    shadow,
    distinct: selectsDistinct(selectors),
    credentialBucket: selectsCredential(selectors),
  });
}
