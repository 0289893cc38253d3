import type { FieldNotice } from "../providers/translator.js";

/**
 * Keys (schema, field, action) already logged by this process. A busy gateway sees the same Claude
 * Code request shape thousands of times; one line per kind of adaptation says all there is to say.
 */
const logged = new Set<string>();

/** Logs each notice the first time this process sees its (schema, field, action). */
export function logFieldNoticesOnce(
  log: (line: string) => void,
  schema: string,
  notices: readonly FieldNotice[],
): void {
  for (const notice of notices) {
    const key = `${schema}\u0000${notice.field}\u0000${notice.action}`;
    if (logged.has(key)) continue;
    logged.add(key);
    log(
      `aigw: warning: ${schema} backend: ${notice.action} ${notice.field}: ${notice.detail} (logged once per process)`,
    );
  }
}
