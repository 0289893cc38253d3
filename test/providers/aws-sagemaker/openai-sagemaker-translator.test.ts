import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { sageMakerSchemaTranslators } from "../../../src/providers/aws-sagemaker/sagemaker-schema-translators.js";
import { InvalidRequestError, UpstreamProtocolError } from "../../../src/providers/translator.js";
import { encodeAwsException } from "../../support/encode-aws-event.js";
import { sseJsonChunks } from "../../support/sse-events.js";
import {
  AWKWARD_PIECE_SIZES,
  jsonOf,
  requestInput,
  responseContext,
  runStream,
} from "../anthropic/translator-harness.js";

const chat = sageMakerSchemaTranslators["openai-chat"]!;
const embeddings = sageMakerSchemaTranslators["openai-embeddings"]!;
const SCHEMA = { name: "aigw/AWSSageMaker" as const };
const ENDPOINT = "llama-3-endpoint";
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function payloadPart(bytes: Buffer): Buffer {
  return Buffer.from(
    codec.encode({
      headers: {
        ":event-type": { type: "string", value: "PayloadPart" },
        ":content-type": { type: "string", value: "application/octet-stream" },
        ":message-type": { type: "string", value: "event" },
      },
      body: new Uint8Array(bytes),
    }),
  );
}

/** The container's SSE cut into `partSize`-byte PayloadParts, as SageMaker may cut it. */
function framed(sse: string, partSize: number): Buffer {
  const bytes = Buffer.from(sse);
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += partSize)
    frames.push(payloadPart(bytes.subarray(at, at + partSize)));
  return Buffer.concat(frames);
}

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "served-llama", choices, ...extra })}\n\n`;
const USAGE = { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 };
const CONTAINER_SSE =
  chunk([{ index: 0, delta: { role: "assistant", content: "Hé" }, finish_reason: null }]) +
  chunk([{ index: 0, delta: { content: "llo ✓" }, finish_reason: "stop" }]) +
  chunk([], { usage: USAGE }) +
  "data: [DONE]\n\n";

describe("aigw/AWSSageMaker requests", () => {
  it("InvokeEndpoint for a whole answer, the response-stream operation for a stream, the body passed through", () => {
    const body = { model: ENDPOINT, messages: [{ role: "user", content: "hi" }] };
    const plain = chat.request(requestInput(body, { schema: SCHEMA }));
    assert.equal(plain.path, `/endpoints/${ENDPOINT}/invocations`);
    assert.equal(plain.body.toString(), JSON.stringify(body));
    const streamed = chat.request({
      ...requestInput({ ...body, stream: true }, { schema: SCHEMA }),
      stream: true,
    });
    assert.equal(streamed.path, `/endpoints/${ENDPOINT}/invocations-response-stream`);
    assert.equal(streamed.headers?.["x-amzn-sagemaker-accept"], "text/event-stream");
  });

  it("the endpoint is the overriding model, which the body names too", () => {
    const out = embeddings.request(
      requestInput({ model: "alias", input: "x" }, { schema: SCHEMA, model: ENDPOINT }),
    );
    assert.equal(out.path, `/endpoints/${ENDPOINT}/invocations`);
    assert.equal((jsonOf(out.body) as { model: string }).model, ENDPOINT);
  });

  it("a model that cannot be an endpoint name is refused with 422", () => {
    for (const model of ["a.b", "-lead", "trail-", "has space", "x/../y", "a".repeat(64), "ünï"]) {
      assert.throws(
        () => chat.request(requestInput({ model, messages: [] }, { schema: SCHEMA })),
        (err: unknown) => err instanceof InvalidRequestError && err.status === 422,
        model,
      );
    }
    chat.request(requestInput({ model: `a--b-${"c".repeat(58)}`, messages: [] }, { schema: SCHEMA }));
  });

  it("forced usage is asked of the container for chat, never for embeddings", () => {
    const body = { model: ENDPOINT, messages: [], stream: true };
    const input = { ...requestInput(body, { schema: SCHEMA, forceIncludeUsage: true }), stream: true };
    assert.deepEqual((jsonOf(chat.request(input).body) as { stream_options?: unknown }).stream_options, {
      include_usage: true,
    });
    const embedInput = {
      ...requestInput({ model: ENDPOINT, input: "x" }, { schema: SCHEMA, forceIncludeUsage: true }),
    };
    assert.equal(
      (jsonOf(embeddings.request(embedInput).body) as { stream_options?: unknown }).stream_options,
      undefined,
    );
  });
});

describe("aigw/AWSSageMaker response streams", () => {
  const ctx = () =>
    responseContext(200, ENDPOINT, {
      stream: true,
      request: {
        ...requestInput(
          { model: ENDPOINT, messages: [], stream: true, stream_options: { include_usage: true } },
          { schema: SCHEMA },
        ),
        stream: true,
      },
    });

  it("PayloadParts cut anywhere, in frames cut anywhere, come out as the container's SSE, usage counted", () => {
    for (const partSize of [1, 5, 33, 4096]) {
      for (const size of AWKWARD_PIECE_SIZES) {
        const response = chat.response(ctx());
        assert.equal(response.streamContentType, "text/event-stream");
        const out = runStream(response, framed(CONTAINER_SSE, partSize), size);
        assert.equal(out, CONTAINER_SSE, `parts of ${partSize}, pieces of ${size}`);
        assert.equal(response.usage.inputTokens, 11);
        assert.equal(response.usage.outputTokens, 4);
        assert.equal(response.responseModel, "served-llama");
      }
    }
  });

  it("usage the gateway forced is counted and kept from the client that did not ask", () => {
    const request = {
      ...requestInput(
        { model: ENDPOINT, messages: [], stream: true },
        { schema: SCHEMA, forceIncludeUsage: true },
      ),
      stream: true,
    };
    const response = chat.response(responseContext(200, ENDPOINT, { stream: true, request }));
    const out = runStream(response, framed(CONTAINER_SSE, 9), 13);
    assert.ok(
      sseJsonChunks(out).every((c) => c.usage === undefined),
      out,
    );
    assert.equal(response.usage.totalTokens, 15);
  });

  it("a ModelStreamError ends the stream with one OpenAI error event and no half event before it", () => {
    const sse = Buffer.from(CONTAINER_SSE);
    const firstEventEnd = CONTAINER_SSE.indexOf("\n\n") + 2;
    const bytes = Buffer.concat([
      payloadPart(sse.subarray(0, firstEventEnd + 10)),
      encodeAwsException("ModelStreamError", {
        ErrorCode: "ModelStreamError",
        Message: "the container broke",
      }),
      payloadPart(sse.subarray(firstEventEnd + 10)),
    ]);
    const out = runStream(chat.response(ctx()), bytes, 7);
    assert.equal(
      out,
      `${CONTAINER_SSE.slice(0, firstEventEnd)}data: ${JSON.stringify({ error: { type: "ModelStreamError", code: "424", message: "ModelStreamError: the container broke" } })}\n\n`,
    );
  });

  it("a stream without a PayloadPart, cut mid-frame or corrupt is UpstreamProtocolError", () => {
    assert.throws(() => runStream(chat.response(ctx()), Buffer.alloc(0), 1), UpstreamProtocolError);
    const whole = framed(CONTAINER_SSE, 50);
    assert.throws(
      () => runStream(chat.response(ctx()), whole.subarray(0, whole.length - 3), 64),
      UpstreamProtocolError,
    );
    const corrupt = Buffer.from(whole);
    corrupt[20] = (corrupt[20] as number) ^ 0xff;
    assert.throws(() => runStream(chat.response(ctx()), corrupt, 64), UpstreamProtocolError);
  });
});

describe("aigw/AWSSageMaker errors", () => {
  it("SageMaker's JSON errors get the OpenAI envelope with x-amzn-errortype and Message, status kept", () => {
    const body = Buffer.from(
      JSON.stringify({
        ErrorCode: "CLIENT_ERROR_FROM_MODEL",
        Message: "Received client error (400)",
        OriginalStatusCode: 400,
      }),
    );
    const out = chat
      .response(
        responseContext(424, ENDPOINT, {
          headers: {
            "x-amzn-errortype": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/",
          },
        }),
      )
      .body(body);
    assert.equal(out.status, 424);
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "ModelError", code: "424", message: "Received client error (400)" },
    });
    const validation = chat
      .response(responseContext(400, ENDPOINT, { headers: { "x-amzn-errortype": "ValidationError" } }))
      .body(Buffer.from('{"message":"Endpoint x of account 1 not found."}'));
    assert.equal(
      (jsonOf(validation.body) as { error: { message: string } }).error.message,
      "Endpoint x of account 1 not found.",
    );
  });

  it("a non-JSON error is AWSSageMakerBackendError with the text", () => {
    const out = chat.response(responseContext(503, ENDPOINT)).body(Buffer.from("<html>busy</html>"));
    assert.deepEqual(jsonOf(out.body), {
      type: "error",
      error: { type: "AWSSageMakerBackendError", code: "503", message: "<html>busy</html>" },
    });
  });
});
