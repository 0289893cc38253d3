import { cohereErrorBody, cohereStreamErrorEvent } from "../api/cohere-error.js";
import type { ClientEndpoint } from "./client-endpoint.js";

/** Cohere's rerank v2 (`POST /cohere/v2/rerank`, upstream's prefix), answered in Cohere's error shape. */
export const rerankEndpoint: ClientEndpoint = {
  api: "cohere-rerank",
  operation: "rerank",
  streams: false,
  errorBody: cohereErrorBody,
  streamErrorEvent: cohereStreamErrorEvent,
};
