import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { converseResponseBody, converseStreamFrames } from "./upstream-answers.js";

/**
 * A Bedrock runtime for the benchmark, in its own process like the simulator, that must never be
 * the bottleneck: it answers `POST /model/<id>/converse` and `/converse-stream` instantly with
 * precomputed bytes once the request body has arrived. It checks no signature (the gateway's
 * signing is measured, AWS's verification is not ours) and parses nothing.
 * Usage: node dist/bench/serve-fake-bedrock.js --port N
 */
const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const CONVERSE = Buffer.from(converseResponseBody());
const CONVERSE_STREAM = Buffer.concat(converseStreamFrames());
const OPERATION = /^\/model\/[^/]+\/(converse|converse-stream)$/;

const server = createServer((req, res) => {
  const operation = req.method === "POST" ? OPERATION.exec(req.url ?? "")?.[1] : undefined;
  req.on("end", () => {
    if (operation === undefined) {
      res.writeHead(404, {
        "content-type": "application/json",
        "x-amzn-errortype": "UnknownOperationException",
      });
      res.end('{"message":"Unknown operation"}');
      return;
    }
    const body = operation === "converse" ? CONVERSE : CONVERSE_STREAM;
    res.writeHead(200, {
      "content-type": operation === "converse" ? "application/json" : "application/vnd.amazon.eventstream",
      "content-length": body.length,
      "x-amzn-requestid": randomUUID(),
    });
    res.end(body);
  });
  req.resume();
});
// The gateway's pool holds connections open between bursts, as it does with the simulator.
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), "127.0.0.1");
