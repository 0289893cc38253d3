import type { ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { CompiledRoute } from "../config/snapshot.js";
import type { ClientEndpoint } from "../endpoints/client-endpoint.js";
import type { ResponseTranslator, TranslateRequestInput, Translator } from "../providers/translator.js";
import type { RequestRecord } from "./request-record.js";
import { JSON_TYPE, sendBody } from "./send-response.js";
import { classifyUpstreamError, describeUpstreamError, type UpstreamFailure } from "./upstream-error.js";
import { clientResponseHeaders } from "./upstream-headers.js";

export interface ExchangeSetup {
  res: ServerResponse;
  record: RequestRecord;
  endpoint: ClientEndpoint;
  translator: Translator;
  request: TranslateRequestInput;
  route: CompiledRoute;
  backendKey: string;
  /** performance.now() when the request arrived. */
  started: number;
  /** Called once when the exchange is over, whatever happened. */
  done: (record: RequestRecord) => void;
}

/**
 * One upstream call, driven by undici's low-level dispatch API: no response stream object, no
 * promise per chunk, no AbortSignal. The answer is translated as it arrives: relayed chunk by chunk
 * when the client streams and the upstream succeeded (with back-pressure), read whole otherwise.
 * The client's disconnect and the rule's timeout abort the call.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private translated: ResponseTranslator | undefined;
  private streaming = false;
  private chunks: Buffer[] = [];
  private headers: Record<string, string | string[] | number> | undefined;
  private abortReason: UpstreamFailure | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** A translator threw and the client has been answered: later upstream events change nothing. */
  private failedInternally = false;

  constructor(private readonly s: ExchangeSetup) {}

  start(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, timeoutMs: number): void {
    this.s.res.on("close", this.onClientClose);
    if (timeoutMs > 0) this.timer = setTimeout(this.onTimeout, timeoutMs);
    dispatcher.dispatch(options, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(new Error(this.abortReason));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    const { request, res } = this.s;
    this.controller = controller;
    try {
      this.translated = this.s.translator.response({
        status: statusCode,
        headers,
        requestModel: request.model,
        stream: request.stream,
        request,
      });
    } catch (err) {
      this.internalError(err);
      return;
    }
    this.headers = clientResponseHeaders(headers);
    if (request.stream && statusCode < 300) {
      this.streaming = true;
      this.s.record.status = statusCode;
      this.headers["content-type"] = this.translated.streamContentType;
      // Headers go out with the first chunk: one write instead of two for the first byte.
      res.writeHead(statusCode, this.headers);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.failedInternally) return;
    if (!this.streaming) {
      this.chunks.push(chunk);
      return;
    }
    const { res, record } = this.s;
    try {
      const out = this.translated!.chunk(chunk);
      if (out === undefined || out.length === 0) return;
      record.timeToFirstByteMs ??= performance.now() - this.s.started;
      if (!res.write(out)) {
        controller.pause();
        res.once("drain", () => controller.resume());
      }
    } catch (err) {
      this.internalError(err);
    }
  }

  onResponseEnd(): void {
    const { res, record } = this.s;
    if (this.failedInternally) {
      this.finish();
      return;
    }
    try {
      const translated = this.translated!;
      if (this.streaming) {
        const tail = translated.end();
        if (tail !== undefined && tail.length > 0) res.end(tail);
        else res.end();
      } else {
        const chunks = this.chunks;
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const out = translated.body(body);
        record.status = out.status;
        sendBody(res, out.status, out.contentType, out.body, this.headers);
      }
      this.account(translated);
    } catch (err) {
      this.internalError(err);
    }
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const { res, record, endpoint } = this.s;
    if (this.failedInternally) {
      this.finish();
      return;
    }
    const kind = this.abortReason ?? classifyUpstreamError(error);
    record.error = kind;
    if (this.translated) this.account(this.translated);
    if (kind === "client_closed") {
      // Nobody is listening; the usage seen so far is still counted.
    } else if (res.headersSent) {
      res.destroy();
    } else if (kind === "timeout") {
      record.status = 504;
      sendBody(res, 504, JSON_TYPE, endpoint.errorBody(504, "GatewayTimeout", "upstream request timeout"));
    } else {
      record.status = 503;
      const message = `upstream connect error or disconnect/reset before headers: ${describeUpstreamError(error)}`;
      sendBody(res, 503, JSON_TYPE, endpoint.errorBody(503, "ServiceUnavailable", message));
    }
    this.finish();
  }

  private readonly onClientClose = (): void => {
    if (!this.s.res.writableFinished) this.abort("client_closed");
  };

  private readonly onTimeout = (): void => {
    this.abort("timeout");
  };

  private abort(reason: UpstreamFailure): void {
    if (this.finished || this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(new Error(reason));
  }

  /** Usage and the request's costs, from what the translator counted. */
  private account(translated: ResponseTranslator): void {
    const { record, route, request, backendKey } = this.s;
    record.responseModel = translated.responseModel;
    Object.assign(record.usage, translated.usage);
    if (record.status < 300 && route.costs.length > 0) {
      record.costs = route.computeCosts({
        model: request.model,
        backend: backendKey,
        route_name: route.key,
        usage: record.usage,
      });
    }
  }

  /** A translator threw: the client gets a 500 if nothing was sent yet, else the stream is cut. */
  private internalError(err: unknown): void {
    const { res, record, endpoint } = this.s;
    this.failedInternally = true;
    record.error = `internal_error: ${(err as Error).message}`;
    if (res.headersSent) {
      res.destroy();
    } else {
      record.status = 500;
      const message = "the gateway failed to translate the answer";
      sendBody(res, 500, JSON_TYPE, endpoint.errorBody(500, "InternalError", message));
    }
    this.abort("upstream_reset");
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.s.res.off("close", this.onClientClose);
    this.s.done(this.s.record);
  }
}
