import { anthropicErrorBody, anthropicErrorTypeForStatus } from "../api/anthropic-error.js";
import type { ClientEndpoint } from "./client-endpoint.js";

const errorBody = (status: number, _type: string, message: string) =>
  anthropicErrorBody(anthropicErrorTypeForStatus(status), message);

export const messagesEndpoint: ClientEndpoint = {
  api: "anthropic-messages",
  operation: "messages",
  streams: true,
  errorBody,
};

export const countTokensEndpoint: ClientEndpoint = {
  api: "anthropic-count-tokens",
  operation: "count_tokens",
  streams: false,
  errorBody,
};
