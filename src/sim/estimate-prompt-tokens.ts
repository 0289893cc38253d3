/**
 * Deterministic prompt token estimates: ceil(characters / 4), the usual rule of thumb for English
 * with OpenAI tokenizers. Good enough for usage numbers that tests and rate limits can predict.
 */
export function tokensForText(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Counts the text of chat messages: string contents and the `text` of content parts. */
export function estimateChatPromptTokens(messages: readonly unknown[], tools: unknown): number {
  let chars = 0;
  for (const message of messages) {
    if (message === null || typeof message !== "object") continue;
    const content = (message as { content?: unknown }).content;
    if (typeof content === "string") {
      chars += content.length;
    } else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === "string") chars += text.length;
      }
    }
  }
  // Tool definitions are part of the prompt a real model reads.
  if (Array.isArray(tools) && tools.length > 0) chars += JSON.stringify(tools).length;
  return Math.max(1, Math.ceil(chars / 4));
}

/** One prompt of a completions `prompt` or one embeddings `input` item. */
export interface PromptItem {
  /** The text, or for token ids their decimal list: what deterministic answers are derived from. */
  readonly key: string;
  readonly tokens: number;
}

/**
 * Splits a completions `prompt` or embeddings `input` into items: a string, an array of strings, an
 * array of token ids (one item, one token per id) or an array of token-id arrays. Undefined when the
 * value has none of these shapes or is empty.
 */
export function promptItems(input: unknown): PromptItem[] | undefined {
  if (typeof input === "string") return [{ key: input, tokens: tokensForText(input) }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (typeof input[0] === "number") return [{ key: input.join(","), tokens: input.length }];
  const items: PromptItem[] = [];
  for (const item of input) {
    if (typeof item === "string") items.push({ key: item, tokens: tokensForText(item) });
    else if (Array.isArray(item) && item.length > 0) items.push({ key: item.join(","), tokens: item.length });
    else return undefined;
  }
  return items;
}
