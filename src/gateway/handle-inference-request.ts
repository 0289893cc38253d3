import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { OutgoingRequest, RuntimeSnapshot } from "../config/snapshot.js";
import { UnsupportedCredentialError } from "../credentials/compile-credentials.js";
import { MissingCredentialError } from "../credentials/missing-credential-error.js";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import { translatorFor } from "../providers/registry.js";
import {
  InvalidRequestError,
  type ResponseTranslator,
  type TranslateRequestInput,
} from "../providers/translator.js";
import { emptyUsage } from "../usage/token-usage.js";
import { applyBodyMutation } from "./apply-body-mutation.js";
import { matchRoute, requestHost } from "./match-route.js";
import { pickBackend } from "./pick-backend.js";
import { BodyTooLargeError, readRequestBody } from "./read-request-body.js";
import type { RequestRecord } from "./request-record.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";
import { classifyUpstreamError, describeUpstreamError } from "./upstream-error.js";
import { clientResponseHeaders, upstreamHeaders } from "./upstream-headers.js";

export const NO_ROUTE_MESSAGE =
  "No matching route found. It is likely because the model specified in your request is not configured in the Gateway.";

/**
 * The request path for a model-routed API call, as one readable sequence:
 * read body -> find model -> route -> pick backend -> translate -> credentials -> upstream ->
 * translate response (streamed when the client streams) -> account.
 */
export async function handleInferenceRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  endpoint: ClientEndpoint,
  snapshot: RuntimeSnapshot,
  report: (record: RequestRecord) => void,
): Promise<void> {
  const started = performance.now();
  const record: RequestRecord = {
    api: endpoint.api,
    path,
    originalModel: undefined,
    requestModel: undefined,
    responseModel: undefined,
    route: undefined,
    rule: undefined,
    backend: undefined,
    status: 0,
    stream: false,
    usage: emptyUsage(),
    costs: {},
    durationMs: 0,
    timeToFirstByteMs: undefined,
    error: undefined,
  };
  const fail = (status: number, type: string, message: string, error: string): void => {
    record.error = error;
    record.status = status;
    sendBody(res, status, JSON_TYPE, endpoint.errorBody(status, type, message));
  };
  try {
    await forward();
  } finally {
    if (record.status === 0) record.status = res.headersSent ? res.statusCode : 499;
    record.durationMs = performance.now() - started;
    report(record);
  }

  async function forward(): Promise<void> {
    // 1. Read the body and find the model.
    let raw: Buffer;
    try {
      raw = await readRequestBody(req, snapshot.bodyLimitBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader("connection", "close");
        return fail(413, "PayloadTooLarge", err.message, "body_too_large");
      }
      record.error = "client_closed";
      return;
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new SyntaxError("the body must be a JSON object");
      }
      body = parsed as Record<string, unknown>;
    } catch (err) {
      const message = `malformed request: failed to parse JSON for ${path}: ${(err as Error).message}`;
      return fail(400, "BadRequest", message, "malformed_request");
    }
    const model = body.model;
    if (typeof model !== "string" || model === "") {
      return fail(400, "BadRequest", "invalid request body: model field is required", "missing_model");
    }
    record.originalModel = model;
    const stream = endpoint.streams && body.stream === true;
    record.stream = stream;

    // 2. Route by model (and any other header), then choose a backend.
    const match = matchRoute(snapshot, requestHost(req.headers), req.headers, model);
    if (!match) {
      record.status = 404;
      record.error = "no_route";
      sendBody(res, 404, PLAIN_TEXT, NO_ROUTE_MESSAGE);
      return;
    }
    record.route = match.route.key;
    record.rule = match.rule.name;
    const ref = pickBackend(match.rule);
    if (!ref) {
      return fail(503, "ServiceUnavailable", `no backend available for model ${model}`, "no_backend");
    }
    const backend = ref.backend;
    record.backend = backend.key;
    const requestModel = ref.modelNameOverride ?? model;
    record.requestModel = requestModel;
    const translator = translatorFor(endpoint.api, backend.schema.name);
    if (!translator) {
      const message = `backend ${backend.key} (schema ${backend.schema.name}) does not serve ${path}`;
      return fail(400, "BadRequest", message, "unsupported_schema");
    }

    // 3. Translate the request for the backend's schema and add credentials.
    const translateInput: TranslateRequestInput = {
      body,
      raw,
      model: requestModel,
      modelOverridden: requestModel !== model,
      stream,
      forceIncludeUsage: match.route.costs.length > 0,
      schema: backend.schema,
      headers: req.headers,
    };
    let upstream: ReturnType<typeof translator.request>;
    try {
      upstream = translator.request(translateInput);
    } catch (err) {
      if (err instanceof InvalidRequestError) {
        return fail(422, "UnprocessableEntity", `invalid request body: ${err.message}`, "invalid_request");
      }
      throw err;
    }
    const outgoing: OutgoingRequest = {
      method: "POST",
      url: new URL(upstream.path, backend.origin),
      headers: upstreamHeaders(
        req.headers,
        backend.hostHeader,
        requestModel,
        backend.credentials?.overrideHeaders ?? [],
        ref.headerMutation,
      ),
      body: ref.bodyMutation ? applyBodyMutation(upstream.body, ref.bodyMutation) : upstream.body,
      clientHeaders: req.headers,
    };
    outgoing.headers["content-type"] ??= "application/json";
    if (upstream.headers) Object.assign(outgoing.headers, upstream.headers);
    if (backend.credentials) {
      try {
        await backend.credentials.inject(outgoing);
      } catch (err) {
        if (err instanceof MissingCredentialError)
          return fail(401, "Unauthorized", err.message, "missing_credential");
        if (err instanceof UnsupportedCredentialError) {
          return fail(500, "InternalError", err.message, "unsupported_credential");
        }
        throw err;
      }
    }

    // 4. Call the upstream; the client's disconnect and the rule's timeouts abort it.
    const controller = new AbortController();
    const onClientClose = (): void => {
      if (!res.writableFinished) controller.abort("client_closed");
    };
    res.on("close", onClientClose);
    const timeoutMs = effectiveTimeout(match.rule.requestTimeoutMs, match.rule.backendRequestTimeoutMs);
    const timer = timeoutMs > 0 ? setTimeout(() => controller.abort("timeout"), timeoutMs) : undefined;
    try {
      let answer: Dispatcher.ResponseData;
      try {
        answer = await backend.dispatcher.request({
          method: "POST",
          path: outgoing.url.pathname + outgoing.url.search,
          headers: outgoing.headers,
          body: outgoing.body,
          signal: controller.signal,
        });
      } catch (err) {
        return upstreamFailed(err, controller.signal.reason);
      }

      // 5. Translate the answer back: streamed when the client streams and the upstream succeeded.
      const translated = translator.response({
        status: answer.statusCode,
        headers: answer.headers,
        requestModel,
        stream,
        request: translateInput,
      });
      const passHeaders = clientResponseHeaders(answer.headers);
      try {
        if (stream && answer.statusCode < 300) {
          await relayStream(answer, translated, passHeaders);
        } else {
          const whole = await readAll(answer.body);
          const out = translated.body(whole);
          record.status = out.status;
          sendBody(res, out.status, out.contentType, out.body, passHeaders);
        }
      } catch (err) {
        if (!res.headersSent) return upstreamFailed(err, controller.signal.reason);
        record.error = classifyUpstreamError(err, controller.signal.reason);
        res.destroy();
        return;
      }
      record.responseModel = translated.responseModel;
      Object.assign(record.usage, translated.usage);
      if (record.status < 300 && match.route.costs.length > 0) {
        record.costs = match.route.computeCosts({
          model: requestModel,
          backend: backend.key,
          route_name: match.route.key,
          usage: record.usage,
        });
      }
    } finally {
      if (timer) clearTimeout(timer);
      res.off("close", onClientClose);
    }
  }

  async function relayStream(
    answer: Dispatcher.ResponseData,
    translated: ResponseTranslator,
    passHeaders: Record<string, string | string[]>,
  ): Promise<void> {
    record.status = answer.statusCode;
    res.writeHead(answer.statusCode, { ...passHeaders, "content-type": translated.streamContentType });
    // Send headers now: a client waiting for the first token should know the stream has begun.
    res.flushHeaders();
    for await (const chunk of answer.body as AsyncIterable<Buffer>) {
      const out = translated.chunk(chunk);
      if (out !== undefined && out.length > 0) {
        record.timeToFirstByteMs ??= performance.now() - started;
        if (!res.write(out)) await drained(res);
      }
    }
    const tail = translated.end();
    if (tail !== undefined && tail.length > 0) res.write(tail);
    res.end();
  }

  function upstreamFailed(err: unknown, abortReason: unknown): void {
    const kind = classifyUpstreamError(err, abortReason);
    if (kind === "client_closed") {
      record.error = kind;
      return;
    }
    if (kind === "timeout") {
      fail(504, "GatewayTimeout", "upstream request timeout", kind);
      return;
    }
    const message = `upstream connect error or disconnect/reset before headers: ${describeUpstreamError(err)}`;
    fail(503, "ServiceUnavailable", message, kind);
  }
}

/** The tighter of the whole-request and per-attempt timeouts (0 = none). */
function effectiveTimeout(requestMs: number, backendMs: number): number {
  if (requestMs <= 0) return backendMs;
  if (backendMs <= 0) return requestMs;
  return Math.min(requestMs, backendMs);
}

async function readAll(body: Dispatcher.ResponseData["body"]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Waits for the client to take more data, or to go away. */
async function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) throw new Error("client closed");
  await Promise.race([once(res, "drain"), once(res, "close")]);
}
