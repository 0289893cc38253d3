import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import {
  azureChatCompletionBody,
  converseResponseBody,
  converseStreamFrames,
  geminiResponseBody,
} from "./upstream-answers.js";

/**
 * The cloud providers of the translated benchmark rows, in one process of their own like the
 * simulator, that must never be the bottleneck: once a request body has arrived it answers at once
 * with precomputed bytes. It checks no signature or token (the gateway's signing and token handling
 * are measured, the providers' verification is not ours) and parses nothing.
 * - Bedrock: `POST /model/<id>/converse` and `/converse-stream`;
 * - Vertex AI: `POST /v1/projects/<p>/locations/<r>/publishers/google/models/<m>:generateContent`,
 *   and the service-account token exchange at `POST /token` (a token valid for an hour);
 * - Azure OpenAI: `POST /openai/deployments/<d>/chat/completions?api-version=...`.
 * Usage: node dist/bench/serve-fake-providers.js --port N
 */
const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

interface Answer {
  body: Buffer;
  headers: Record<string, string>;
}

const JSON_TYPE = "application/json";
const ANSWERS: Record<string, Answer> = {
  converse: { body: Buffer.from(converseResponseBody()), headers: { "content-type": JSON_TYPE } },
  "converse-stream": {
    body: Buffer.concat(converseStreamFrames()),
    headers: { "content-type": "application/vnd.amazon.eventstream" },
  },
  gemini: { body: Buffer.from(geminiResponseBody()), headers: { "content-type": JSON_TYPE } },
  azure: { body: Buffer.from(azureChatCompletionBody()), headers: { "content-type": JSON_TYPE } },
  token: {
    body: Buffer.from(
      JSON.stringify({ access_token: "ya29.bench-token", expires_in: 3600, token_type: "Bearer" }),
    ),
    headers: { "content-type": JSON_TYPE },
  },
};

const BEDROCK = /^\/model\/[^/]+\/(converse|converse-stream)$/;
const VERTEX =
  /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/:]+:generateContent$/;
const AZURE = /^\/openai\/deployments\/[^/]+\/chat\/completions\?api-version=/;

function answerFor(method: string | undefined, url: string): Answer | undefined {
  if (method !== "POST") return undefined;
  const bedrock = BEDROCK.exec(url)?.[1];
  if (bedrock) return ANSWERS[bedrock];
  if (VERTEX.test(url)) return ANSWERS.gemini;
  if (AZURE.test(url)) return ANSWERS.azure;
  if (url === "/token") return ANSWERS.token;
  return undefined;
}

const server = createServer((req, res) => {
  const answer = answerFor(req.method, req.url ?? "");
  req.on("end", () => {
    if (answer === undefined) {
      res.writeHead(404, { "content-type": JSON_TYPE, "x-amzn-errortype": "UnknownOperationException" });
      res.end('{"message":"Unknown operation"}');
      return;
    }
    res.writeHead(200, {
      ...answer.headers,
      "content-length": answer.body.length,
      "x-amzn-requestid": randomUUID(),
    });
    res.end(answer.body);
  });
  req.resume();
});
// The gateway's pool holds connections open between bursts, as it does with the simulator.
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), "127.0.0.1");
