/**
 * NUL, and a UTF-16 surrogate without its pair: text PostgreSQL cannot hold (a client can put
 * either in a model name). The ledger stores them as U+FFFD.
 */
export const UNSTORABLE_TEXT = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as PostgreSQL stores it. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE_TEXT, "\uFFFD");
}

const UNSTORABLE_ONE = new RegExp(UNSTORABLE_TEXT.source);

/** Whether PostgreSQL stores `text` as it is: one test, cheaper than a replace that finds nothing. */
export function isStorable(text: string): boolean {
  return !UNSTORABLE_ONE.test(text);
}
