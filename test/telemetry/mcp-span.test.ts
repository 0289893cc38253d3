import assert from "node:assert/strict";
import { test } from "node:test";
import { RequestTracer } from "../../src/telemetry/request-tracer.js";
import { readTracingConfig } from "../../src/telemetry/tracing-config.js";
import { mcpRequestRecord } from "../support/mcp-request-record.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const PARENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
const PARENT_SPAN = "b7ad6b7169203331";

async function withTracer(
  sampler: string,
  run: (tracer: RequestTracer) => void,
): Promise<Awaited<ReturnType<typeof startOtlpReceiver>>["spans"]> {
  const receiver = await startOtlpReceiver();
  try {
    const config = readTracingConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: sampler,
    });
    assert.ok(config);
    const tracer = new RequestTracer(config);
    run(tracer);
    await tracer.flush();
    await tracer.close();
    return [...receiver.spans];
  } finally {
    await receiver.close();
  }
}

test("MCP spans: upstream's names and attributes, the client's traceparent as parent, the record's timing", async () => {
  const started = performance.now() - 25;
  const spans = await withTracer("always_on", (tracer) => {
    tracer.recordMcp(
      mcpRequestRecord({
        startedAt: started,
        durationMs: 25,
        traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`,
        subject: "alice",
      }),
    );
    tracer.recordMcp(
      mcpRequestRecord({
        method: "tools/list",
        tool: undefined,
        backend: undefined,
        fanOut: { ok: ["a", "b"], failed: [] },
      }),
    );
  });
  const call = spans.find((s) => s.name === "CallTool");
  assert.ok(call, spans.map((s) => s.name).join());
  assert.equal(call.kind, 3, "a client span, as upstream's");
  assert.equal(call.traceId, PARENT_TRACE);
  assert.equal(call.parentSpanId, PARENT_SPAN);
  assert.deepEqual(call.attributes, {
    "mcp.transport": "http",
    "mcp.method.name": "tools/call",
    "mcp.protocol.version": "2025-06-18",
    "mcp.request.id": "7",
    "mcp.tool.name": "github__get_issue",
    "mcp.session.id": "0123456789abcdef",
    "aigw.route": "default/mcp-route",
    "aigw.consumer": "alice",
    "http.response.status_code": 200,
  });
  assert.deepEqual(call.events, [
    {
      name: "route to backend",
      attributes: { "mcp.backend.name": "github", "mcp.session.id": "0123456789abcdef" },
    },
  ]);
  assert.equal(call.status.code, 1);
  const durationNs = Number(call.endTimeUnixNano - call.startTimeUnixNano);
  assert.ok(Math.abs(durationNs - 25e6) < 1e3, `${durationNs} ns`);
  const startMs = Number(call.startTimeUnixNano / 1_000_000n);
  assert.ok(Math.abs(startMs - (performance.timeOrigin + started)) < 2);

  const list = spans.find((s) => s.name === "ListTools");
  assert.ok(list);
  assert.deepEqual(
    list.events.map((e) => e.attributes["mcp.backend.name"]),
    ["a", "b"],
  );
  assert.equal(list.parentSpanId, undefined, "no traceparent: a root span");
});

test("a failed MCP request's span is an error with its type; GET streams and unsampled requests have none", async () => {
  const spans = await withTracer("parentbased_always_on", (tracer) => {
    tracer.recordMcp(
      mcpRequestRecord({
        method: "prompts/get",
        prompt: "b__p",
        tool: undefined,
        status: 403,
        error: "forbidden",
      }),
    );
    tracer.recordMcp(mcpRequestRecord({ httpMethod: "GET", method: undefined }));
    tracer.recordMcp(
      mcpRequestRecord({ method: "ping", traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` }),
    );
  });
  assert.deepEqual(
    spans.map((s) => s.name),
    ["GetPrompt"],
  );
  const [get] = spans;
  assert.equal(get?.status.code, 2);
  assert.equal(get?.status.message, "forbidden");
  assert.equal(get?.attributes["error.type"], "forbidden");
  assert.equal(get?.attributes["mcp.prompt.name"], "b__p");
  assert.deepEqual(get?.events.at(-1), { name: "exception", attributes: { "exception.type": "forbidden" } });
});
