import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { type Cassette, type Interaction, isEventStream } from "./cassettes.js";
import { type RecordingUpstream, startRecordingUpstream } from "./recording-upstream.js";
import { splitSseEvents } from "./sse-events.js";

/** Names the cassette to answer from, as Envoy AI Gateway's own test server does; optional here. */
export const CASSETTE_HEADER = "x-cassette-name";

/**
 * A fake OpenAI that answers each recorded request with its recorded response: status, content-type and
 * body verbatim, SSE bodies written event by event in separate writes so streaming is really exercised.
 * A request matches on method, path and JSON-equal body (within the cassette named by `x-cassette-name`
 * when the gateway forwards it, else across all cassettes). Anything else is drift: 409 with a diagnostic
 * the test shows, never a silent fallback.
 */
export async function startReplayUpstream(cassettes: readonly Cassette[]): Promise<RecordingUpstream> {
  const byName = new Map(cassettes.map((c) => [c.name, c]));
  return startRecordingUpstream(async (req, res) => {
    const named = req.headers[CASSETTE_HEADER];
    const cassetteName = typeof named === "string" ? named : undefined;
    const pool =
      cassetteName === undefined ? cassettes : [byName.get(cassetteName)].filter((c) => c !== undefined);
    const body = req.body.toString("utf8");
    const candidates = pool.flatMap((c) =>
      c.interactions.map((interaction) => ({ cassette: c, interaction })),
    );
    const match = candidates.find(({ interaction }) => matches(interaction, req.method, req.url, body));
    if (match === undefined) {
      res.writeHead(409, { "content-type": "text/plain" });
      res.end(driftReport(req.method, req.url, body, cassetteName, candidates));
      return;
    }
    await replay(match.interaction, res);
  });
}

function matches(interaction: Interaction, method: string, url: string, body: string): boolean {
  const recorded = interaction.request;
  return recorded.method === method && recorded.path === url && jsonEqual(recorded.body, body);
}

/** JSON-equal (key order and whitespace do not matter); non-JSON bodies must be byte-equal. */
function jsonEqual(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}

async function replay(interaction: Interaction, res: ServerResponse): Promise<void> {
  const { response } = interaction;
  if (!isEventStream(response)) {
    res.writeHead(response.status, { "content-type": response.contentType });
    res.end(response.body);
    return;
  }
  res.writeHead(response.status, { "content-type": response.contentType });
  for (const event of splitSseEvents(response.body)) {
    if (res.destroyed) return;
    res.write(event);
    // A pause between events so they leave as separate packets and a buffering gateway would show.
    await sleep(1);
  }
  res.end();
}

function driftReport(
  method: string,
  url: string,
  body: string,
  cassetteName: string | undefined,
  candidates: readonly { cassette: Cassette; interaction: Interaction }[],
): string {
  const lines = [
    `replay drift: no recorded interaction matches ${method} ${url}` +
      (cassetteName === undefined ? " (no x-cassette-name header)" : ` in cassette ${cassetteName}`),
    `received body: ${body}`,
  ];
  // With a named cassette there are few candidates: show what was expected, which is the useful diff.
  if (cassetteName !== undefined) {
    for (const { interaction } of candidates) {
      lines.push(
        `expected ${interaction.request.method} ${interaction.request.path} body: ${interaction.request.body}`,
      );
    }
  }
  return lines.join("\n");
}
