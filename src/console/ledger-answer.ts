import { type AdminAnswer, errorAnswer } from "../usage/usage-api.js";
import { UsageParameterError } from "../usage/usage-parameters.js";
import type { RollupSource } from "./rollup-source.js";

/**
 * Answers a console endpoint built from the ledger as the usage API answers: 404 with the ledger
 * off, 400 naming a bad parameter, 503 when the ledger cannot be read.
 */
export async function answerFromLedger(
  ledger: RollupSource | undefined,
  answer: (ledger: RollupSource) => Promise<AdminAnswer>,
): Promise<AdminAnswer> {
  if (!ledger) {
    return errorAnswer(404, "ledger_off", "the ledger is off (--ledger off): no usage is recorded");
  }
  try {
    return await answer(ledger);
  } catch (err) {
    if (err instanceof UsageParameterError) {
      return errorAnswer(400, "invalid_parameter", err.message, err.param);
    }
    return errorAnswer(503, "ledger_unavailable", `cannot read the ledger: ${(err as Error).message}`);
  }
}
