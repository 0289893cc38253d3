import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { fakeOpenAIHandler } from "../support/fake-openai-server.js";
import { answerStatus } from "../support/fault-handlers.js";
import { goodAndFailingConfig } from "../support/good-and-failing-config.js";
import { type RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/** --debug-headers: an answer names its route, the backend that gave it and how many attempts it took. */

let good: RecordingUpstream;
let failing: RecordingUpstream;
const gateways: TestGateway[] = [];

before(async () => {
  // An upstream that sends the gateway's own headers (another aigw, say) does not replace them.
  good = await startRecordingUpstream((req, res) => {
    res.setHeader("x-aigw-request-id", "from-upstream");
    res.setHeader("x-aigw-backend", "from-upstream");
    return fakeOpenAIHandler(req, res);
  });
  failing = await startRecordingUpstream(answerStatus(500));
});

after(async () => {
  for (const g of gateways) await g.close();
  await good?.close();
  await failing?.close();
});

async function gatewayWith(debugHeaders: boolean): Promise<TestGateway> {
  const gateway = await startTestGateway(goodAndFailingConfig(good.url, failing.url), { debugHeaders });
  gateways.push(gateway);
  return gateway;
}

const ask = (gateway: TestGateway, model: string) =>
  new OpenAI({ apiKey: "k", baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
    .create({ model, messages: [{ role: "user", content: "hi" }] })
    .withResponse();

test("with --debug-headers, a failed-over answer names the route, the backend that answered and 2 attempts", async () => {
  const gateway = await gatewayWith(true);
  const { response } = await ask(gateway, "gpt-over");
  assert.equal(response.headers.get("x-aigw-route"), "default/chat");
  assert.equal(response.headers.get("x-aigw-backend"), "default/good");
  assert.equal(response.headers.get("x-aigw-attempts"), "2");

  const failed = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: "gpt-fail", messages: [{ role: "user", content: "hi" }] },
  });
  assert.equal(failed.status, 500);
  assert.equal(failed.headers["x-aigw-backend"], "default/failing", "an error answer says it too");
  const unrouted = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: "nobody", messages: [{ role: "user", content: "hi" }] },
  });
  assert.equal(unrouted.status, 404);
  assert.equal(unrouted.headers["x-aigw-route"], undefined, "no route, no route header");
});

test("without it, answers carry none of them (the request id they always do)", async () => {
  const gateway = await gatewayWith(false);
  const { response } = await ask(gateway, "gpt-over");
  for (const name of ["x-aigw-route", "x-aigw-backend", "x-aigw-attempts"])
    assert.equal(response.headers.get(name), null);
  assert.match(response.headers.get("x-aigw-request-id") ?? "", /^[0-9a-f-]{36}$/);
});
