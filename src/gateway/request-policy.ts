import type { CompiledRoute, CompiledRule } from "../config/snapshot.js";
import type { LimitDecision } from "../limits/token-limit-policy.js";
import type { ClientCall } from "./prepare-attempt.js";
import type { RequestRecord } from "./request-record.js";

/** A routed request, as policies see it before the first attempt. */
export interface AdmissionContext {
  readonly call: ClientCall;
  readonly route: CompiledRoute;
  readonly rule: CompiledRule;
  readonly record: RequestRecord;
  /** What the token-limit policy decided at admission, for its settle. */
  limits?: LimitDecision;
}

/**
 * The seam for what acts on a whole request rather than on one attempt (token limits, quotas,
 * budgets, the usage ledger, telemetry): `admit` runs once the route is known and before any
 * upstream attempt, and refuses by throwing a GatewayError (e.g. 429); `settle` runs once when the
 * request is over, with the usage and costs counted. Compiled per route into a list; a route without
 * policies pays for nothing. `admit` is synchronous unless it must fetch (a remote counter).
 */
export interface RequestPolicy {
  readonly name: string;
  admit?(ctx: AdmissionContext): void | Promise<void>;
  settle?(ctx: AdmissionContext, record: RequestRecord): void;
}

/**
 * Runs every policy's admit in order; returns a promise only when one of them did. The first refusal
 * (a thrown or rejected GatewayError) stops the rest.
 */
export function admitAll(policies: readonly RequestPolicy[], ctx: AdmissionContext): void | Promise<void> {
  for (let i = 0; i < policies.length; i++) {
    const pending = policies[i]!.admit?.(ctx);
    if (pending) return pending.then(() => admitAll(policies.slice(i + 1), ctx));
  }
}

/** Runs every policy's settle; one policy failing does not keep the others from settling. */
export function settleAll(
  policies: readonly RequestPolicy[],
  ctx: AdmissionContext,
  record: RequestRecord,
  log: (message: string) => void,
): void {
  for (const policy of policies) {
    try {
      policy.settle?.(ctx, record);
    } catch (err) {
      log(`aigw: request policy ${policy.name} failed to settle: ${(err as Error).message}`);
    }
  }
}
