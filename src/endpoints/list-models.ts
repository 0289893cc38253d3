import type { RuntimeSnapshot } from "../config/snapshot.js";

export interface ListedModel {
  id: string;
  created: number;
  ownedBy: string;
}

/**
 * The models the routes serve to a request for `host`: every Exact x-ai-eg-model match of every
 * rule of the routes whose hostnames admit the host, first occurrence wins.
 */
export function listModels(snapshot: RuntimeSnapshot, host: string | undefined): ListedModel[] {
  const seen = new Set<string>();
  const out: ListedModel[] = [];
  for (const route of snapshot.routes) {
    if (!route.matchesHost(host)) continue;
    for (const rule of route.rules) {
      for (const id of rule.models) {
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, created: rule.modelsCreatedAt, ownedBy: rule.modelsOwnedBy });
      }
    }
  }
  return out;
}

/** OpenAI's list shape. */
export function openAIModelList(models: ListedModel[]): string {
  return JSON.stringify({
    object: "list",
    data: models.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: m.ownedBy })),
  });
}

/** Anthropic's list shape: {data:[{id,type,display_name,created_at}],has_more,first_id,last_id}. */
export function anthropicModelList(models: ListedModel[]): string {
  return JSON.stringify({
    data: models.map((m) => ({
      type: "model",
      id: m.id,
      display_name: m.id,
      created_at: new Date(m.created * 1000).toISOString(),
    })),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models[models.length - 1]?.id ?? null,
  });
}
