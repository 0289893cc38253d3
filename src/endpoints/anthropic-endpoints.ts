import {
  anthropicErrorBody,
  anthropicErrorTypeForStatus,
  anthropicStreamErrorEvent,
} from "../api/anthropic-error.js";
import type { ClientEndpoint } from "./client-endpoint.js";

const envelope = {
  errorBody: (status: number, _type: string, message: string) =>
    anthropicErrorBody(anthropicErrorTypeForStatus(status), message),
  streamErrorEvent: (status: number, _type: string, message: string) =>
    anthropicStreamErrorEvent(anthropicErrorTypeForStatus(status), message),
};

export const messagesEndpoint: ClientEndpoint = {
  api: "anthropic-messages",
  operation: "messages",
  streams: true,
  ...envelope,
};

export const countTokensEndpoint: ClientEndpoint = {
  api: "anthropic-count-tokens",
  operation: "count_tokens",
  streams: false,
  ...envelope,
};
