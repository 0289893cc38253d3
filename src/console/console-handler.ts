import type { AdminAnswer } from "../usage/usage-api.js";

/** One call of a console JSON endpoint, after authentication. */
export interface ConsoleRequest {
  /** The query string's parameters. */
  readonly query: URLSearchParams;
  /** What follows the endpoint's name in the path: "" for `/console/api/requests`, "<id>" for `/console/api/requests/<id>`. */
  readonly subpath: string;
  /** The time the answer is for (epoch ms): tests pass a fixed one. */
  readonly nowMs: number;
}

/**
 * A console JSON endpoint (`GET /console/api/<name>`): the router (console-api.ts) authenticates the
 * caller, then calls the handler registered under `<name>`. Handlers answer in the admin listener's
 * envelope (`errorAnswer`); a bad parameter is a 400 naming it.
 */
export type ConsoleHandler = (request: ConsoleRequest) => AdminAnswer | Promise<AdminAnswer>;
