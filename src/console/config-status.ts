import type { LoadedResource, RuntimeSnapshot } from "../config/snapshot.js";
import { JSON_TYPE } from "../gateway/send-response.js";
import { errorAnswer } from "../usage/usage-api.js";
import { isoTimestamp } from "../util/iso-timestamp.js";
import type { ConsoleHandler } from "./console-handler.js";

/** The last reload attempt: applied, or rejected with the problems `aigw validate` prints. */
interface ReloadAttempt {
  readonly time: string;
  readonly outcome: "applied" | "rejected";
  /** The rejection's lines (ConfigError's message); null when applied. */
  readonly errors: string | null;
}

interface Applied {
  readonly hash: string;
  readonly generation: number;
  readonly appliedAt: string;
  readonly resources: readonly LoadedResource[];
  readonly ignored: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * What the console's Configuration page shows: the configuration being served and the last reload
 * attempt. startGateway tells it of every load; it keeps only what the page needs, not the snapshot.
 */
export class ConfigStatus {
  #applied: Applied | undefined;
  #lastReload: ReloadAttempt | null = null;

  /** `sources`: the configuration's files and directories, or where its text came from ("<environment>"). */
  constructor(readonly sources: readonly string[]) {}

  /** A snapshot now serves (`reload`: replacing another); `warnings` are its load's warning lines. */
  applied(snapshot: RuntimeSnapshot, warnings: readonly string[], nowMs: number, reload: boolean): void {
    const appliedAt = isoTimestamp(nowMs);
    this.#applied = {
      hash: snapshot.hash,
      generation: snapshot.generation,
      appliedAt,
      resources: snapshot.resources,
      ignored: snapshot.ignored,
      // A copy: the load's warn stays with the compiled policies (a JWKS that fails later warns
      // again), and those runtime lines are the log's, not this load's.
      warnings: [...warnings],
    };
    if (reload) this.#lastReload = { time: appliedAt, outcome: "applied", errors: null };
  }

  /** A reload was refused (the previous snapshot still serves): `errors` is the ConfigError's message. */
  rejected(errors: string, nowMs: number): void {
    this.#lastReload = { time: isoTimestamp(nowMs), outcome: "rejected", errors };
  }

  /** The `GET /console/api/config` answer (docs/console.md). */
  toJSON(): object {
    const a = this.#applied;
    return {
      // The same digits aigw_config_info{hash} shows.
      hash: a ? `sha256:${a.hash}` : null,
      generation: a?.generation ?? 0,
      applied_at: a?.appliedAt ?? null,
      sources: this.sources,
      resources: a?.resources ?? [],
      ignored: a?.ignored ?? [],
      warnings: a?.warnings ?? [],
      last_reload: this.#lastReload,
    };
  }
}

/** `GET /console/api/config`: takes no parameter and no subpath. */
export function configHandler(status: ConfigStatus): ConsoleHandler {
  return ({ query, subpath }) => {
    if (subpath !== "") return errorAnswer(404, "not_found", `no console endpoint config/${subpath}`);
    const [unknown] = query.keys();
    if (unknown !== undefined) {
      return errorAnswer(
        400,
        "invalid_parameter",
        `${unknown}: unknown parameter; this endpoint takes none`,
        unknown,
      );
    }
    return { status: 200, contentType: JSON_TYPE, body: JSON.stringify(status) };
  };
}
