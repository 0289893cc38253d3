import type { RequestRecord } from "../../src/gateway/request-record.js";
import { emptyUsage } from "../../src/usage/token-usage.js";
import { uuidV7 } from "../../src/util/uuid-v7.js";

/** A finished chat request's record, 200 from default/b1; `overrides` replace any field. */
export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: uuidV7(Date.now()),
    api: "openai-chat",
    operation: "chat",
    path: "/v1/chat/completions",
    consumer: undefined,
    attributes: undefined,
    authRefused: false,
    originalModel: "gpt-x",
    requestModel: "gpt-x",
    responseModel: "gpt-x",
    route: "default/r1",
    rule: "rule",
    backend: "default/b1",
    provider: "openai",
    status: 200,
    stream: false,
    usage: emptyUsage(),
    costs: {},
    durationMs: 1,
    timeToFirstByteMs: undefined,
    error: undefined,
    attempts: [],
    ...overrides,
  };
}
