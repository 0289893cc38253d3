import type { RollupQuery, RollupRow } from "../usage/usage-rollup.js";

/**
 * What the console's overview and usage endpoints read: the ledger's rollups (usage-rollup.ts).
 * The Ledger satisfies it; the handlers depend on this alone so they can be tested over rows in memory.
 */
export interface RollupSource {
  rollup(query: RollupQuery): Promise<RollupRow[]>;
}
