import type { ServerResponse } from "node:http";
import { sendOpenAIError } from "./send-openai-error.js";

/**
 * The models a replica serves: base models, and LoRA adapters on top of the first one. Without
 * adapters any model name is accepted (the simulator's historical behaviour, handy behind a gateway
 * that rewrites names); with adapters an unknown name gets 404, as vLLM answers.
 */
export class ServedModels {
  readonly #adapters: ReadonlySet<string>;
  readonly #bases: ReadonlySet<string>;
  /** GET /v1/models, built once: vLLM's shape, adapters naming the base model as `parent`. */
  readonly listBody: string;

  constructor(models: readonly string[], loraModules: readonly string[]) {
    this.#bases = new Set(models);
    this.#adapters = new Set(loraModules);
    const base = models[0]!;
    const entry = (id: string, parent: string | null) => ({
      id,
      object: "model",
      created: 1_700_000_000,
      owned_by: "aigw-sim",
      root: id,
      parent,
    });
    this.listBody = JSON.stringify({
      object: "list",
      data: [...models.map((id) => entry(id, null)), ...loraModules.map((id) => entry(id, base))],
    });
  }

  get servesAdapters(): boolean {
    return this.#adapters.size > 0;
  }

  /** The adapter a model name selects; undefined for a base (or, without adapters, any) model. */
  adapterOf(model: string): string | undefined {
    return this.#adapters.has(model) ? model : undefined;
  }

  /** False (after sending OpenAI's 404) when the name is neither a base model nor an adapter. */
  accept(model: string, res: ServerResponse): boolean {
    if (!this.servesAdapters || this.#bases.has(model) || this.#adapters.has(model)) return true;
    sendOpenAIError(
      res,
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      null,
      "model_not_found",
    );
    return false;
  }
}
