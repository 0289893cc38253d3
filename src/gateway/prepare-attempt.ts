import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { CompiledBackendRef } from "../config/snapshot.js";
import { UnsupportedCredentialError } from "../credentials/compile-credentials.js";
import { CredentialFetchError } from "../credentials/credential-fetch-error.js";
import type { OutgoingRequest } from "../credentials/credential-injector.js";
import { MissingCredentialError } from "../credentials/missing-credential-error.js";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import { InvalidRequestError, type TranslateRequestInput, type Translator } from "../providers/translator.js";
import { applyBodyMutation } from "./apply-body-mutation.js";
import { GatewayError } from "./gateway-error.js";
import { logFieldNoticesOnce } from "./log-field-notices.js";
import { upstreamHeaders } from "./upstream-headers.js";

/** What the client sent, as every attempt translates it afresh. */
export interface ClientCall {
  endpoint: ClientEndpoint;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed body; never mutated (each attempt translates it again). */
  body: Record<string, unknown>;
  raw: Buffer;
  /** The body's model. */
  model: string;
  stream: boolean;
  /** Costs are configured on the route: streamed usage must be asked for. */
  forceIncludeUsage: boolean;
  /** The TCP peer's address as the socket gives it, for sourceCIDR selectors. */
  clientAddress: string | undefined;
  /** Headers every answer of this request carries (x-ratelimit-*), set at admission. */
  responseHeaders?: Record<string, string>;
  /** Backends this request must not try (their quota is spent), set at admission. */
  excludedBackends?: ReadonlySet<string>;
  /** With tracing on: the gateway span's context, sent upstream in place of the client's. */
  traceparent?: string;
  /** The diagnostic log, for what a translator had to change in the request (once per kind). */
  log?: (line: string) => void;
}

/** One attempt, ready to dispatch. */
export interface PreparedAttempt {
  ref: CompiledBackendRef;
  translator: Translator;
  request: TranslateRequestInput;
  dispatch: Dispatcher.DispatchOptions;
}

/**
 * Translates the client's request for one backend, applies the ref's mutations and adds the
 * backend's credentials (signing last, over the final bytes). Synchronous unless the credentials
 * must be fetched. Throws GatewayError for what the client must be told; `undefined` means this
 * backend's schema cannot serve the endpoint at all (another candidate may).
 */
export function prepareAttempt(
  call: ClientCall,
  ref: CompiledBackendRef,
): PreparedAttempt | undefined | Promise<PreparedAttempt> {
  const backend = ref.backend;
  const translator = backend.translators[call.endpoint.api];
  if (!translator) return undefined;
  const model = ref.modelNameOverride ?? call.model;
  const request: TranslateRequestInput = {
    body: call.body,
    raw: call.raw,
    model,
    modelOverridden: model !== call.model,
    stream: call.stream,
    forceIncludeUsage: call.forceIncludeUsage,
    schema: backend.schema,
    headers: call.headers,
  };
  let upstream: ReturnType<Translator["request"]>;
  try {
    upstream = translator.request(request);
  } catch (err) {
    if (err instanceof InvalidRequestError) throw invalidRequest(err);
    throw err;
  }
  if (upstream.notices && upstream.notices.length > 0 && call.log) {
    logFieldNoticesOnce(call.log, backend.schema.name, upstream.notices);
  }
  const outgoing: OutgoingRequest = {
    method: "POST",
    path: upstream.path,
    authority: backend.hostHeader,
    headers: upstreamHeaders(
      call.headers,
      backend.hostHeader,
      model,
      backend.credentials?.overrideHeaders ?? [],
      ref.headerMutation,
    ),
    body: ref.bodyMutation ? applyBodyMutation(upstream.body, ref.bodyMutation) : upstream.body,
    clientHeaders: call.headers,
  };
  outgoing.headers["content-type"] ??= "application/json";
  if (call.traceparent !== undefined) outgoing.headers.traceparent = call.traceparent;
  if (upstream.headers) {
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value === undefined) delete outgoing.headers[name];
      else outgoing.headers[name] = value;
    }
  }
  const prepared = (): PreparedAttempt => ({
    ref,
    translator,
    request,
    dispatch: { method: "POST", path: outgoing.path, headers: outgoing.headers, body: outgoing.body },
  });
  if (!backend.credentials) return prepared();
  let pending: void | Promise<void>;
  try {
    // Injectors are synchronous unless they need I/O (AWS's default credential chain): no promise,
    // no extra turn of the event loop per request.
    pending = backend.credentials.inject(outgoing);
  } catch (err) {
    throw credentialError(err);
  }
  if (!pending) return prepared();
  return pending.then(prepared, (err: unknown) => {
    throw credentialError(err);
  });
}

function invalidRequest(err: InvalidRequestError): GatewayError {
  const status = (err as { status?: number }).status ?? 422;
  const type = status === 400 ? "BadRequest" : "UnprocessableEntity";
  return new GatewayError(status, type, `invalid request body: ${err.message}`, "invalid_request");
}

function credentialError(err: unknown): unknown {
  if (err instanceof MissingCredentialError)
    return new GatewayError(401, "Unauthorized", err.message, "missing_credential");
  if (err instanceof UnsupportedCredentialError)
    return new GatewayError(500, "InternalError", err.message, "unsupported_credential");
  if (err instanceof CredentialFetchError)
    return new GatewayError(502, "BadGateway", err.message, "credential_fetch_failed");
  return err;
}
