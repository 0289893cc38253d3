import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { EXAMPLE_CREDENTIALS } from "../support/fake-bedrock.js";
import {
  CONTAINER_REPLY,
  type FakeSageMaker,
  sageMakerBackendDocs,
  startFakeSageMaker,
} from "../support/fake-sagemaker.js";
import { configYaml, gatewayDocs, modelIs, routeDoc } from "../support/gateway-yaml.js";
import { sendRaw } from "../support/send-raw.js";
import { observeCalls, startTestGateway, type TestGateway } from "../support/start-test-gateway.js";

/**
 * The official OpenAI SDK -> gateway -> a fake SageMaker runtime that recomputes SigV4 for service
 * `sagemaker` and hosts OpenAI-compatible containers. Chat goes to InvokeEndpoint, streamed chat to
 * InvokeEndpointWithResponseStream, whose PayloadPart frames are unwrapped into the container's SSE;
 * usage is read from the container's answers; SageMaker's errors arrive in the OpenAI envelope.
 */

const ENDPOINT = "my-llama-endpoint";

let fake: FakeSageMaker;
let gateway: TestGateway;
let client: OpenAI;

before(async () => {
  fake = await startFakeSageMaker({ credentials: EXAMPLE_CREDENTIALS });
  const config = configYaml(
    gatewayDocs(),
    sageMakerBackendDocs("sagemaker", fake, EXAMPLE_CREDENTIALS),
    // The same fake behind another schema: its requests are signed for `bedrock`, which SageMaker refuses.
    sageMakerBackendDocs("signed-for-bedrock", fake, EXAMPLE_CREDENTIALS, { name: "OpenAI" }),
    sharedPolicyDocs(),
    routeDoc("sagemaker", {
      rules: [
        {
          matches: [
            modelIs(ENDPOINT),
            modelIs("failing-model"),
            modelIs("breaks-mid-stream"),
            modelIs("no-such-endpoint"),
            modelIs("not_an endpoint"),
          ],
          backendRefs: [{ name: "sagemaker" }],
        },
        { matches: [modelIs("llama")], backendRefs: [{ name: "sagemaker", modelNameOverride: ENDPOINT }] },
        { matches: [modelIs("signed-for-bedrock")], backendRefs: [{ name: "signed-for-bedrock" }] },
        {
          matches: [modelIs("shared-sagemaker")],
          backendRefs: [{ name: "shared-sagemaker", modelNameOverride: ENDPOINT }],
        },
        {
          matches: [modelIs("anthropic.claude-3-haiku-20240307-v1:0")],
          backendRefs: [{ name: "shared-bedrock" }],
        },
      ],
    }),
  );
  gateway = await startTestGateway(config);
  client = new OpenAI({ apiKey: "sk-client", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

/**
 * A SageMaker and a Bedrock backend (both at the fake SageMaker) under ONE AWSCredentials policy:
 * each must be signed for its own schema's service.
 */
function sharedPolicyDocs(): Record<string, unknown>[] {
  const docs = sageMakerBackendDocs("shared-sagemaker", fake, EXAMPLE_CREDENTIALS);
  const bedrock = sageMakerBackendDocs("shared-bedrock", fake, EXAMPLE_CREDENTIALS, { name: "AWSBedrock" });
  const policy = docs.find((d) => d.kind === "BackendSecurityPolicy") as { spec: { targetRefs: unknown[] } };
  policy.spec.targetRefs.push({
    group: "aigateway.envoyproxy.io",
    kind: "AIServiceBackend",
    name: "shared-bedrock",
  });
  return [...docs, ...bedrock.filter((d) => d.kind === "Backend" || d.kind === "AIServiceBackend")];
}

after(async () => {
  await gateway?.close();
  await fake?.close();
});

test("chat goes to InvokeEndpoint signed for sagemaker, and the container's usage is counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.chat.completions.create({
      model: ENDPOINT,
      messages: [{ role: "user", content: "Where is this model hosted?" }],
    }),
  );
  assert.equal(result.choices[0]?.message.content, CONTAINER_REPLY);
  const call = calls[0]!;
  assert.equal(call.request.url, `/endpoints/${ENDPOINT}/invocations`);
  assert.equal(call.operation, "invocations");
  assert.match(String(call.request.headers.authorization), /\/us-east-1\/sagemaker\/aws4_request/);
  assert.equal(call.body.model, ENDPOINT);
  assert.equal(record.provider, "aws.sagemaker");
  assert.equal(record.usage.inputTokens, call.usage.inputTokens);
  assert.equal(record.usage.outputTokens, call.usage.outputTokens);
  assert.ok(call.usage.inputTokens > 0 && call.usage.outputTokens > 0);
});

test("the endpoint name comes from modelNameOverride", async () => {
  const { calls, record } = await observeCalls(gateway, fake, () =>
    client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "hi" }] }),
  );
  assert.equal(calls[0]?.request.url, `/endpoints/${ENDPOINT}/invocations`);
  assert.equal(calls[0]?.body.model, ENDPOINT);
  assert.equal(record.requestModel, ENDPOINT);
});

test("a streamed chat is unwrapped from PayloadPart frames into the container's SSE, usage counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, async () => {
    const stream = await client.chat.completions.create({
      model: ENDPOINT,
      messages: [{ role: "user", content: "Stream from SageMaker" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    return { text, usage };
  });
  assert.equal(result.text, CONTAINER_REPLY);
  const call = calls[0]!;
  assert.equal(call.request.url, `/endpoints/${ENDPOINT}/invocations-response-stream`);
  assert.equal(result.usage?.prompt_tokens, call.usage.inputTokens);
  assert.equal(record.usage.inputTokens, call.usage.inputTokens);
  assert.equal(record.usage.outputTokens, call.usage.outputTokens);
  assert.equal(record.stream, true);
});

test("a raw streamed answer is the container's SSE, ending with [DONE]", async () => {
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: ENDPOINT, messages: [{ role: "user", content: "hi" }], stream: true },
  });
  assert.equal(res.status, 200);
  assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
  assert.ok(res.text.endsWith("data: [DONE]\n\n"), res.text.slice(-80));
  assert.ok(!res.text.includes("PayloadPart"), "no event-stream framing reaches the client");
});

test("embeddings go to InvokeEndpoint and are counted", async () => {
  const { result, calls, record } = await observeCalls(gateway, fake, () =>
    client.embeddings.create({ model: ENDPOINT, input: "embed these words", encoding_format: "float" }),
  );
  assert.equal(result.data.length, 1);
  assert.equal(calls[0]?.request.url, `/endpoints/${ENDPOINT}/invocations`);
  assert.equal(record.usage.inputTokens, calls[0]?.usage.inputTokens);
  assert.equal(record.usage.inputTokens, 3);
});

test("a container error (ModelError) reaches the OpenAI client in the OpenAI envelope", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: "failing-model", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, 424);
      assert.equal((err.error as { type?: string }).type, "ModelError");
      assert.match(err.message, /Received client error \(400\) from primary.*max_tokens must be at least 1/);
      return true;
    },
  );
});

test("an unknown endpoint is SageMaker's ValidationError, a name SageMaker cannot have is 422 before it", async () => {
  await assert.rejects(
    client.chat.completions.create({
      model: "no-such-endpoint",
      messages: [{ role: "user", content: "hi" }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal((err.error as { type?: string }).type, "ValidationError");
      assert.match(err.message, /Endpoint no-such-endpoint of account \d+ not found/);
      return true;
    },
  );
  const before = fake.requests.length;
  await assert.rejects(
    client.chat.completions.create({ model: "not_an endpoint", messages: [{ role: "user", content: "hi" }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.UnprocessableEntityError, String(err));
      assert.match(err.message, /not a SageMaker endpoint name/);
      return true;
    },
  );
  assert.equal(fake.requests.length, before, "nothing was sent upstream");
});

test("a ModelStreamError mid-stream ends the client's stream with an OpenAI error", async () => {
  let text = "";
  await assert.rejects(
    (async () => {
      const stream = await client.chat.completions.create({
        model: "breaks-mid-stream",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })(),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.match(err.message, /interrupted by an error/);
      return true;
    },
  );
  assert.ok(!text.includes(CONTAINER_REPLY), "the stream stopped before the whole reply");
});

test("only the schema makes the signature sagemaker's: another schema's is refused by SageMaker", async () => {
  const res = await sendRaw(`${gateway.url}/v1/chat/completions`, {
    body: { model: "signed-for-bedrock", messages: [{ role: "user", content: "hi" }] },
  });
  assert.equal(res.status, 403);
  assert.match(res.text, /service 'sagemaker', not 'us-east-1\/bedrock'/);
});

test("one AWSCredentials policy signs each target for its own schema's service", async () => {
  const ok = await client.chat.completions.create({
    model: "shared-sagemaker",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(ok.choices[0]?.message.content, CONTAINER_REPLY);
  const before = fake.requests.length;
  await assert.rejects(
    client.chat.completions.create({
      model: "anthropic.claude-3-haiku-20240307-v1:0",
      messages: [{ role: "user", content: "hi" }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
      assert.match(err.message, /not 'us-east-1\/bedrock'/);
      return true;
    },
  );
  assert.match(String(fake.requests[before]?.headers.authorization), /\/us-east-1\/bedrock\/aws4_request/);
});
