import assert from "node:assert/strict";
import { test } from "node:test";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";
import { RequestTracer } from "../../src/telemetry/request-tracer.js";
import { readTracingConfig } from "../../src/telemetry/tracing-config.js";
import { requestRecord } from "../support/request-record.js";

/**
 * The sampling decision is taken before the SDK is asked for a span; these check that the ids an
 * unsampled request propagates are valid and its parent's, and that a sampled request's SDK span
 * carries exactly the ids its traceparent announced.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function tracer(sampler: string, arg?: string): RequestTracer {
  const config = readTracingConfig({
    OTEL_TRACES_EXPORTER: "console",
    OTEL_TRACES_SAMPLER: sampler,
    ...(arg === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: arg }),
  });
  assert.ok(config);
  return new RequestTracer(config);
}

test("an unsampled root request gets fresh valid ids, flag 00, and no SDK span", async () => {
  const t = tracer("always_off");
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const span = t.start({}, requestRecord());
    const m = TRACEPARENT.exec(span.traceparent);
    assert.ok(m, span.traceparent);
    assert.equal(m[1], span.traceId);
    assert.notEqual(m[1], "0".repeat(32));
    assert.notEqual(m[2], "0".repeat(16));
    assert.equal(m[3], "00");
    assert.equal(span.span, undefined);
    assert.equal(span.recording, false);
    seen.add(span.traceId);
  }
  // 600 requests draw ids across more than one refill of the random pool: all distinct.
  assert.equal(seen.size, 600);
  await t.close();
});

test("a child keeps its parent's trace id; an unsampled parent stays unsampled under parentbased", async () => {
  const t = tracer("parentbased_always_on");
  const parentTrace = "0af7651916cd43dd8448eb211c80319c";
  const unsampled = t.start({ traceparent: `00-${parentTrace}-b7ad6b7169203331-00` }, requestRecord());
  assert.equal(unsampled.traceId, parentTrace);
  assert.match(unsampled.traceparent, new RegExp(`^00-${parentTrace}-[0-9a-f]{16}-00$`));
  assert.doesNotMatch(unsampled.traceparent, /b7ad6b7169203331/, "the gateway's own span id goes upstream");
  const sampled = t.start({ traceparent: `00-${parentTrace}-b7ad6b7169203331-01` }, requestRecord());
  assert.ok(sampled.span);
  const context = sampled.span.spanContext();
  assert.equal(context.traceId, parentTrace);
  assert.equal(sampled.traceparent, `00-${parentTrace}-${context.spanId}-01`);
  await t.close();
});

/**
 * Starts `count` root requests under `t` and checks each against the SDK's own ratio sampler at
 * `ratio`; a sampled one must carry a recording SDK span on the announced ids. Returns how many
 * were sampled.
 */
function checkRootSampling(t: RequestTracer, ratio: number, count: number): number {
  const reference = new TraceIdRatioBasedSampler(ratio);
  let sampled = 0;
  for (let i = 0; i < count; i++) {
    const span = t.start({}, requestRecord());
    const expected =
      reference.shouldSample({} as never, span.traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    assert.equal(span.recording, expected, span.traceId);
    if (span.span) {
      sampled += 1;
      // The SDK, asked again with the handed-over id, samples it too: its span records.
      assert.equal(span.span.isRecording(), true);
      const context = span.span.spanContext();
      assert.equal(context.traceId, span.traceId);
      assert.equal(span.traceparent, `00-${context.traceId}-${context.spanId}-01`);
    }
  }
  return sampled;
}

test("at a ratio, exactly the trace ids the SDK's ratio sampler takes are sampled, with the SDK span on the announced ids", async () => {
  const t = tracer("traceidratio", "0.3");
  const sampled = checkRootSampling(t, 0.3, 400);
  assert.ok(sampled > 60 && sampled < 180, `${sampled} of 400 sampled at 0.3`);
  await t.close();
});

test("a root request under parentbased_traceidratio is decided as the SDK's sampler decides, and the SDK agrees", async () => {
  const t = tracer("parentbased_traceidratio", "0.1");
  const sampled = checkRootSampling(t, 0.1, 3000);
  assert.ok(sampled > 200 && sampled < 400, `${sampled} of 3000 sampled at 0.1`);
  await t.close();
});

test("a root request is always sampled under always_on and parentbased_always_on, never under a ratio of 0", async () => {
  for (const [sampler, arg, expected] of [
    ["always_on", undefined, true],
    ["parentbased_always_on", undefined, true],
    ["parentbased_traceidratio", "1", true],
    ["parentbased_traceidratio", "0", false],
  ] as const) {
    const t = tracer(sampler, arg);
    for (let i = 0; i < 300; i++) {
      const span = t.start({}, requestRecord());
      assert.equal(span.recording, expected, `${sampler} ${arg}`);
      assert.match(span.traceparent, TRACEPARENT);
    }
    await t.close();
  }
});
