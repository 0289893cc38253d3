import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/** Test helper: encodes AWS event stream frames exactly as Bedrock sends them. */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** An `:message-type: event` frame with a JSON payload, e.g. ("contentBlockDelta", {...}). */
export function encodeAwsEvent(eventType: string, payload: unknown): Buffer {
  return encodeFrame(
    {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    payload,
  );
}

/** An `:message-type: exception` frame, e.g. ("throttlingException", {message: "..."}). */
export function encodeAwsException(exceptionType: string, payload: unknown): Buffer {
  return encodeFrame(
    {
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    payload,
  );
}

/** An `:message-type: error` frame: the error is in headers, the payload is empty. */
export function encodeAwsError(errorCode: string, errorMessage: string): Buffer {
  const headers: MessageHeaders = {
    ":error-code": { type: "string", value: errorCode },
    ":error-message": { type: "string", value: errorMessage },
    ":message-type": { type: "string", value: "error" },
  };
  return Buffer.from(codec.encode({ headers, body: new Uint8Array(0) }));
}

function encodeFrame(headers: MessageHeaders, payload: unknown): Buffer {
  return Buffer.from(codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) }));
}
