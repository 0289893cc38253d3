import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { newDataHome, type ServingAigw, serveAigw } from "../support/spawn-aigw.js";

/**
 * A client that stops reading a large stream must not make the gateway buffer it: the gateway pauses
 * the upstream (end-to-end back-pressure). Measured on the real process, whose resident memory is read
 * from /proc while the client does not read.
 */

/** One SSE event of ~64 KiB, like a model emitting a long chunk. */
const EVENT = Buffer.from(
  `data: ${JSON.stringify({
    id: "chatcmpl-big",
    object: "chat.completion.chunk",
    created: 1,
    model: "big",
    choices: [{ index: 0, delta: { content: "x".repeat(64 * 1024) }, finish_reason: null }],
  })}\n\n`,
);
/** 400 MiB if nothing held it back: far more than the budget. */
const EVENTS = Math.ceil((400 * 1024 * 1024) / EVENT.length);

let upstream: RecordingUpstream;
let aigw: ServingAigw;
let written = 0;

before(async () => {
  upstream = await startRecordingUpstream((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    let sent = 0;
    // Writes as fast as the gateway takes it, honouring the upstream socket's own back-pressure.
    const pump = (): void => {
      while (sent < EVENTS && !res.destroyed) {
        sent += 1;
        written += EVENT.length;
        if (!res.write(EVENT)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end("data: [DONE]\n\n");
    };
    pump();
  });
  const dir = mkdtempSync(join(tmpdir(), "aigw-backpressure-"));
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    configYaml(
      gatewayDocs(),
      openAIBackendDocs("big", upstream.url),
      routeDoc("big", { rules: [{ matches: [modelIs("big")], backendRefs: [{ name: "big" }] }] }),
    ),
  );
  aigw = await serveAigw(
    ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1", "--no-access-log", "--no-watch", config],
    { ...process.env, AIGW_DATA_HOME: newDataHome() },
  );
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? 0) * 1024;
}

test("a client that stops reading a huge stream for seconds costs the gateway far less than 128 MB", async () => {
  const pid = aigw.child.pid!;
  const baseline = residentBytes(pid);
  const body = JSON.stringify({ model: "big", stream: true, messages: [{ role: "user", content: "go" }] });
  const url = new URL(`${aigw.url}/v1/chat/completions`);
  let received = 0;
  const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json" },
      },
      resolve,
    );
    req.on("error", reject);
    req.end(body);
  });
  assert.equal(res.statusCode, 200);
  // Read one chunk, then stop reading for three seconds.
  await new Promise<void>((resolve) =>
    res.once("data", (chunk: Buffer) => {
      received += chunk.length;
      res.pause();
      resolve();
    }),
  );
  let peak = 0;
  const writtenAtPause = written;
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    peak = Math.max(peak, residentBytes(pid));
  }
  const stalledWrites = written - writtenAtPause;
  res.destroy();
  assert.ok(
    peak - baseline < 128 * 1024 * 1024,
    `gateway grew by ${Math.round((peak - baseline) / 1048576)} MiB while the client did not read`,
  );
  assert.ok(
    stalledWrites < 64 * 1024 * 1024,
    `the upstream kept writing ${Math.round(stalledWrites / 1048576)} MiB while the client did not read: it was not paused`,
  );
  assert.ok(received > 0);
  // The abandoned stream's upstream connection is closed soon after the client went away.
  const outcome = await Promise.race([upstream.requests[0]!.outcome, sleep(5000).then(() => "still open")]);
  assert.equal(outcome, "aborted");
});
