import type { IncomingMessage, ServerResponse } from "node:http";
import type { OutgoingRequest, RuntimeSnapshot } from "../config/snapshot.js";
import { UnsupportedCredentialError } from "../credentials/compile-credentials.js";
import { MissingCredentialError } from "../credentials/missing-credential-error.js";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import {
  InvalidRequestError,
  type TranslateRequestInput,
  type UpstreamRequest,
} from "../providers/translator.js";
import { emptyUsage } from "../usage/token-usage.js";
import { applyBodyMutation } from "./apply-body-mutation.js";
import { matchRoute, requestHost } from "./match-route.js";
import { pickBackend } from "./pick-backend.js";
import { BodyTooLargeError, readRequestBody } from "./read-request-body.js";
import type { RequestRecord } from "./request-record.js";
import { JSON_TYPE, PLAIN_TEXT, sendBody } from "./send-response.js";
import { UpstreamExchange } from "./upstream-exchange.js";
import { upstreamHeaders } from "./upstream-headers.js";

export const NO_ROUTE_MESSAGE =
  "No matching route found. It is likely because the model specified in your request is not configured in the Gateway.";

/**
 * The request path for a model-routed API call, as one readable sequence:
 * read body -> find model -> route -> pick backend -> translate -> credentials -> upstream
 * (UpstreamExchange: translate the answer, streamed when the client streams -> account).
 * `report` is called exactly once per request, when it is over.
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
  const done = (r: RequestRecord): void => {
    if (r.status === 0) r.status = res.headersSent ? res.statusCode : 499;
    r.durationMs = performance.now() - started;
    report(r);
  };
  const fail = (status: number, type: string, message: string, error: string): void => {
    record.error = error;
    record.status = status;
    sendBody(res, status, JSON_TYPE, endpoint.errorBody(status, type, message));
    done(record);
  };

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
    return done(record);
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
    return done(record);
  }
  record.route = match.route.key;
  record.rule = match.rule.name;
  const ref = pickBackend(match.rule);
  if (!ref) return fail(503, "ServiceUnavailable", `no backend available for model ${model}`, "no_backend");
  const backend = ref.backend;
  record.backend = backend.key;
  const requestModel = ref.modelNameOverride ?? model;
  record.requestModel = requestModel;
  const translator = backend.translators[endpoint.api];
  if (!translator) {
    const message = `backend ${backend.key} (schema ${backend.schema.name}) does not serve ${path}`;
    return fail(400, "BadRequest", message, "unsupported_schema");
  }

  // 3. Translate the request for the backend's schema and add credentials.
  const request: TranslateRequestInput = {
    body,
    raw,
    model: requestModel,
    modelOverridden: requestModel !== model,
    stream,
    forceIncludeUsage: match.route.costs.length > 0,
    schema: backend.schema,
    headers: req.headers,
  };
  let upstream: UpstreamRequest;
  try {
    upstream = translator.request(request);
  } catch (err) {
    if (err instanceof InvalidRequestError) {
      return fail(422, "UnprocessableEntity", `invalid request body: ${err.message}`, "invalid_request");
    }
    throw err;
  }
  const outgoing: OutgoingRequest = {
    method: "POST",
    path: upstream.path,
    authority: backend.hostHeader,
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
      // Injectors are synchronous unless they need I/O (AWS's default credential chain): no promise,
      // no extra turn of the event loop per request.
      const pending = backend.credentials.inject(outgoing);
      if (pending) await pending;
    } catch (err) {
      if (err instanceof MissingCredentialError)
        return fail(401, "Unauthorized", err.message, "missing_credential");
      if (err instanceof UnsupportedCredentialError) {
        return fail(500, "InternalError", err.message, "unsupported_credential");
      }
      throw err;
    }
  }
  if (res.destroyed) {
    record.error = "client_closed";
    return done(record);
  }

  // 4. Call the upstream; the exchange relays and accounts for the answer, then reports.
  const exchange = new UpstreamExchange({
    res,
    record,
    endpoint,
    translator,
    request,
    route: match.route,
    backendKey: backend.key,
    started,
    done,
  });
  exchange.start(
    backend.dispatcher,
    { method: "POST", path: outgoing.path, headers: outgoing.headers, body: outgoing.body },
    effectiveTimeout(match.rule.requestTimeoutMs, match.rule.backendRequestTimeoutMs),
  );
}

/** The tighter of the whole-request and per-attempt timeouts (0 = none). */
function effectiveTimeout(requestMs: number, backendMs: number): number {
  if (requestMs <= 0) return backendMs;
  if (backendMs <= 0) return requestMs;
  return Math.min(requestMs, backendMs);
}
