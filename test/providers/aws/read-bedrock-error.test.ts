import * as assert from "node:assert/strict";
import { test } from "node:test";
import { AwsEventStreamDecoder } from "../../../src/providers/aws/aws-event-stream-decoder.js";
import { bareErrorType, readBedrockError } from "../../../src/providers/aws/read-bedrock-error.js";
import { readBedrockStreamException } from "../../../src/providers/aws/read-bedrock-stream-exception.js";
import { encodeAwsError, encodeAwsException } from "../../support/encode-aws-event.js";

test("error types lose the Coral suffix or namespace", () => {
  assert.equal(
    bareErrorType("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
    "ValidationException",
  );
  assert.equal(
    bareErrorType("com.amazon.coral.service#UnknownOperationException"),
    "UnknownOperationException",
  );
  assert.equal(bareErrorType("AccessDeniedException"), "AccessDeniedException");
  assert.equal(bareErrorType(""), undefined);
});

test("JSON errors read message (or Message) and the header type; other bodies are backend errors", () => {
  assert.deepEqual(
    readBedrockError(
      { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/" },
      Buffer.from('{"message":"You don\'t have access to the model with the specified model ID."}'),
    ),
    {
      type: "AccessDeniedException",
      message: "You don't have access to the model with the specified model ID.",
    },
  );
  assert.deepEqual(
    readBedrockError({}, Buffer.from('{"Message":"User is not authorized","__type":"com.amazon.coral#X"}')),
    {
      type: "X",
      message: "User is not authorized",
    },
  );
  assert.deepEqual(
    readBedrockError({ "x-amzn-errortype": "Ignored" }, Buffer.from("upstream connect error")),
    {
      type: "AWSBedrockBackendError",
      message: "upstream connect error",
    },
  );
});

test("stream exceptions get the documented status and the HTTP spelling of their type", () => {
  const [exception, error] = new AwsEventStreamDecoder().push(
    Buffer.concat([
      encodeAwsException("validationException", { message: "Input is too long for requested model." }),
      encodeAwsError("InternalFailure", "An internal error occurred"),
    ]),
  );
  assert.deepEqual(readBedrockStreamException(exception!), {
    status: 400,
    type: "ValidationException",
    message: "Input is too long for requested model.",
  });
  assert.deepEqual(readBedrockStreamException(error!), {
    status: 500,
    type: "InternalFailure",
    message: "An internal error occurred",
  });
});

test("an Anthropic error body without x-amzn-errortype is read as that Anthropic error", () => {
  const body = Buffer.from('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
  assert.deepEqual(readBedrockError({}, body), {
    type: "overloaded_error",
    message: "Overloaded",
    anthropic: true,
  });
  // With the header, Bedrock's type wins and the body is read as Bedrock's.
  assert.deepEqual(
    readBedrockError(
      { "x-amzn-errortype": "ThrottlingException" },
      Buffer.from('{"type":"error","message":"m"}'),
    ),
    { type: "ThrottlingException", message: "m" },
  );
  // Bodies that only look a little like one are not.
  for (const text of [
    '{"type":"error","error":null}',
    '{"type":"error","error":{"type":""}}',
    '{"error":{"type":"x"}}',
  ]) {
    assert.equal(readBedrockError({}, Buffer.from(text)).anthropic, undefined, text);
  }
});
