/**
 * The LoRA adapters in an OpenAI `/v1/models` answer: entries with a non-empty `parent` (vLLM lists
 * an adapter with its base model as parent, the base model with `parent: null`). Throws on an answer
 * that is not a model list.
 */
export function adaptersInModelList(text: string): Set<string> {
  const body: unknown = JSON.parse(text);
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error("the /v1/models answer has no data array");
  const adapters = new Set<string>();
  for (const entry of data) {
    const { id, parent } = (entry ?? {}) as { id?: unknown; parent?: unknown };
    if (typeof id === "string" && typeof parent === "string" && parent !== "") adapters.add(id);
  }
  return adapters;
}
