import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthPolicy, AuthRequest, Identity } from "../auth/auth-policy.js";
import { AuthRefusal } from "../auth/auth-refusal.js";
import { authRequestOf } from "../auth/auth-request-of.js";
import type { RuntimeSnapshot } from "../config/snapshot.js";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import type { CompiledPool } from "../inference/compiled-pool.js";
import type { EndpointPicker } from "../inference/endpoint-picker.js";
import { poolRequestOf } from "../inference/pool-request.js";
import { promptBytesOf } from "../inference/prompt-bytes.js";
import type { McpContext } from "../mcp/mcp-context.js";
import type { McpRequestListener } from "../mcp/mcp-request-record.js";
import type { RequestTracer } from "../telemetry/request-tracer.js";
import type { BackendHealthRegistry } from "../upstream/backend-health.js";
import { PoolCandidates } from "../upstream/pool-candidates.js";
import { AttemptLoop } from "./attempt-loop.js";
import { GatewayError } from "./gateway-error.js";
import { matchRoute, type RouteMatch, requestHost } from "./match-route.js";
import { parseRequestBody, streamRequested } from "./parse-request-body.js";
import type { ClientCall } from "./prepare-attempt.js";
import { BodyTooLargeError, discardRemainingBody, readRequestBody } from "./read-request-body.js";
import { type HeaderAttribute, readHeaderAttributes } from "./request-header-attributes.js";
import { type AdmissionContext, admitAll, settleAll } from "./request-policy.js";
import { type InferenceRecord, newRequestRecord, type RequestRecord } from "./request-record.js";
import { JSON_TYPE, sendBody } from "./send-response.js";

export const NO_ROUTE_MESSAGE =
  "No matching route found. It is likely because the model specified in your request is not configured in the Gateway.";

/** What every request of one running gateway shares. */
export interface GatewayContext {
  /** Called exactly once per request, when it is over. */
  report: (record: RequestRecord) => void;
  /** Backend health across requests and reloads (outlier ejection, Retry-After, circuit breaking). */
  health: BackendHealthRegistry;
  log: (line: string) => void;
  /** `--request-header-attributes`: request headers recorded as attributes (often none). */
  headerAttributes: readonly HeaderAttribute[];
  /** The metrics' own header mapping, when it differs from `headerAttributes`. */
  metricHeaderAttributes?: readonly HeaderAttribute[];
  /** The access log's header mapping (with it on): the base one and the session id by default. */
  logHeaderAttributes?: readonly HeaderAttribute[];
  /** `--debug-headers`: answers say their route, backend and attempts (x-aigw-route, ...). */
  debugHeaders?: boolean;
  /** With the access log on: logs a request no API endpoint takes, once it is answered. */
  logPlain?: (req: IncomingMessage, res: ServerResponse, path: string, requestId: string) => void;
  /** With an OpenTelemetry trace exporter configured: one span per request. */
  tracer?: RequestTracer;
  /** The endpoint picker of every InferencePool (built in); lives across reloads. */
  picker?: EndpointPicker;
  /** Called once per finished MCP request: its access log line, metrics and span (mcpReporter). */
  mcpReport?: McpRequestListener;
  /** The MCP proxy's shared state (the session sealer, its key derived once at start). Unset: MCP routes answer 404. */
  mcp?: McpContext;
}

/**
 * The request path for a model-routed API call:
 * read body -> find model -> route -> authenticate (the route's SecurityPolicy) -> admit (request
 * policies) -> attempts (AttemptLoop: candidates, translate, sign, call, retry or fail over,
 * relay) -> settle, report.
 * Every stage throws GatewayError; `answer` below is the one place that writes it to the client.
 */
export async function handleInferenceRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  endpoint: ClientEndpoint,
  snapshot: RuntimeSnapshot,
  gateway: GatewayContext,
  requestId: string,
): Promise<void> {
  const started = performance.now();
  const record = newRequestRecord(endpoint, path, requestId);
  const span = gateway.tracer?.start(req.headers, record);
  if (span) record.traceId = span.traceId;
  let admitted: AdmissionContext | undefined;
  const done = (r: RequestRecord): void => {
    if (r.status === 0) r.status = res.headersSent ? res.statusCode : 499;
    r.durationMs = performance.now() - started;
    if (admitted) settleAll(admitted.route.policies, admitted, r, gateway.log);
    gateway.report(r);
    span?.end(r);
  };
  const answer = (error: GatewayError): void => {
    record.error = error.logCode;
    record.status = error.status;
    sendBody(
      res,
      error.status,
      JSON_TYPE,
      endpoint.errorBody(error.status, error.type, error.message, error.code),
      error.headers,
    );
  };

  try {
    const call = await readCall(req, path, endpoint, snapshot.bodyLimitBytes, record, res);
    if (!call) return done(record);
    if (span) {
      span.request(call.body, call.raw);
      call.traceparent = span.traceparent;
    }
    const routed = matchRoute(snapshot, requestHost(req.headers), req.headers, call.model);
    // The route is chosen by the body's model, so its policy is known only now. Without a route,
    // the Gateway's policy answers first: an unauthenticated client gets 401, not 404.
    const policy = routed ? routed.route.auth : snapshot.gatewayAuth;
    const authenticated = policy ? authenticate(req, call.model, policy, routed, snapshot, record) : routed;
    const match = authenticated instanceof Promise ? await authenticated : authenticated;
    if (!match) {
      throw new GatewayError(404, "NotFound", NO_ROUTE_MESSAGE, "no_route", "model_not_found");
    }
    record.route = match.route.key;
    record.rule = match.rule.name;
    if (match.match !== undefined) record.match = match.match;
    if (gateway.debugHeaders) res.setHeader("x-aigw-route", match.route.key);
    call.forceIncludeUsage = match.route.costs.length > 0;
    call.log = gateway.log;
    // After authentication: the identity headers it sets are what is recorded, not what a client claimed.
    if (gateway.headerAttributes.length > 0) {
      record.attributes = readHeaderAttributes(req.headers, gateway.headerAttributes);
    }
    if (gateway.metricHeaderAttributes) {
      record.metricAttributes = readHeaderAttributes(req.headers, gateway.metricHeaderAttributes);
    }
    if (gateway.logHeaderAttributes) {
      record.logAttributes = readHeaderAttributes(req.headers, gateway.logHeaderAttributes);
    }
    if (match.route.policies.length > 0) {
      admitted = { call, route: match.route, rule: match.rule, record };
      const pending = admitAll(match.route.policies, admitted);
      if (pending) await pending;
    }
    if (res.destroyed) {
      record.error = "client_closed";
      return done(record);
    }
    const pool = match.rule.pool;
    new AttemptLoop({
      res,
      call,
      record,
      route: match.route,
      rule: match.rule,
      health: gateway.health,
      ...(pool && gateway.picker ? { candidates: poolCandidates(pool, match, call, record, gateway) } : {}),
      started,
      done,
      answer,
      debugHeaders: gateway.debugHeaders === true,
      ...(span?.capturing ? { capture: span.capture } : {}),
    }).start();
  } catch (err) {
    if (!(err instanceof GatewayError)) {
      gateway.log(`aigw: internal error on ${path}: ${(err as Error)?.stack ?? String(err)}`);
    } else if (err instanceof AuthRefusal) {
      record.authRefused = true;
      record.consumer = err.consumer;
    }
    answer(
      err instanceof GatewayError
        ? err
        : new GatewayError(500, "InternalError", "internal gateway error", "internal_error"),
    );
    done(record);
  }
}

/** The attempts of a request to a pool: its objective and model rewrite resolved, the picker asked. */
function poolCandidates(
  pool: CompiledPool,
  match: RouteMatch,
  call: ClientCall,
  record: RequestRecord,
  gateway: GatewayContext,
): PoolCandidates {
  const request = poolRequestOf(pool, call.model, call.headers);
  const inference: InferenceRecord = { pool: pool.key, priority: request.priority };
  if (request.objective !== undefined) inference.objective = request.objective;
  record.inference = inference;
  const prompt = promptBytesOf(call.endpoint.api, call.raw);
  const traffic = match.rule.traffic ?? match.route.traffic;
  return new PoolCandidates(
    pool,
    match.rule,
    traffic,
    gateway.health,
    gateway.picker!,
    request,
    prompt,
    inference,
  );
}

/**
 * Checks the request against `policy`, which strips and sets the identity headers in
 * `req.headers`, where every later stage reads them. Returns the match to serve (undefined: no
 * route); synchronous unless the check is not.
 */
function authenticate(
  req: IncomingMessage,
  model: string,
  policy: AuthPolicy,
  routed: RouteMatch | undefined,
  snapshot: RuntimeSnapshot,
  record: RequestRecord,
): RouteMatch | undefined | Promise<RouteMatch | undefined> {
  const request = authRequestOf(req, model);
  const checked = policy.check(request);
  if (checked instanceof Promise) {
    return checked.then((identity) => afterCheck(identity, request, model, policy, routed, snapshot, record));
  }
  return afterCheck(checked, request, model, policy, routed, snapshot, record);
}

/**
 * Records who the caller is. When the policy's headers take part in routing, the route is matched
 * again with them, and a route with another policy has that one checked too (once: its headers do
 * not re-route again).
 */
function afterCheck(
  identity: Identity,
  request: AuthRequest,
  model: string,
  policy: AuthPolicy,
  routed: RouteMatch | undefined,
  snapshot: RuntimeSnapshot,
  record: RequestRecord,
): RouteMatch | undefined | Promise<RouteMatch | undefined> {
  record.consumer = identity.consumer;
  if (!policy.reroutes) return routed;
  const again = matchRoute(snapshot, requestHost(request.headers), request.headers, model);
  const next = again?.route.auth;
  if (!next || next === policy) return again;
  const settle = (second: Identity) => {
    record.consumer = second.consumer ?? identity.consumer;
    return again;
  };
  const checked = next.check(request);
  return checked instanceof Promise ? checked.then(settle) : settle(checked);
}

/** Reads the body and finds the model; undefined when the client went away while sending. */
async function readCall(
  req: IncomingMessage,
  path: string,
  endpoint: ClientEndpoint,
  bodyLimit: number,
  record: RequestRecord,
  res: ServerResponse,
): Promise<ClientCall | undefined> {
  let raw: Buffer;
  try {
    raw = await readRequestBody(req, bodyLimit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      // Read (and drop, bounded) what the client is still sending before answering: a 413 written
      // with `connection: close` closes the socket at once, and a client still writing gets EPIPE
      // instead of the answer.
      await discardRemainingBody(req);
      res.setHeader("connection", "close");
      throw new GatewayError(413, "PayloadTooLarge", err.message, "body_too_large");
    }
    record.error = "client_closed";
    return undefined;
  }
  const body = parseRequestBody(raw, path, endpoint, req.headers);
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw new GatewayError(
      400,
      "BadRequest",
      "invalid request body: model field is required",
      "missing_model",
    );
  }
  record.originalModel = model;
  const stream = streamRequested(endpoint, body);
  record.stream = stream;
  return {
    endpoint,
    path,
    headers: req.headers,
    body,
    raw,
    model,
    stream,
    forceIncludeUsage: false,
    clientAddress: req.socket.remoteAddress,
  };
}
