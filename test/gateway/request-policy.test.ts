import assert from "node:assert/strict";
import { test } from "node:test";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import {
  type AdmissionContext,
  admitAll,
  type RequestPolicy,
  settleAll,
} from "../../src/gateway/request-policy.js";
import type { RequestRecord } from "../../src/gateway/request-record.js";

const ctx = {} as AdmissionContext;
const record = {} as RequestRecord;

test("synchronous policies admit without a promise", () => {
  const seen: string[] = [];
  const policies: RequestPolicy[] = [
    { name: "a", admit: () => void seen.push("a") },
    { name: "b", admit: () => void seen.push("b") },
  ];
  assert.equal(admitAll(policies, ctx), undefined);
  assert.deepEqual(seen, ["a", "b"]);
});

test("an asynchronous policy is awaited before the ones after it", async () => {
  const seen: string[] = [];
  const policies: RequestPolicy[] = [
    {
      name: "remote",
      admit: () => new Promise<void>((r) => setTimeout(() => r(void seen.push("remote")), 5)),
    },
    { name: "local", admit: () => void seen.push("local") },
  ];
  const pending = admitAll(policies, ctx);
  assert.ok(pending instanceof Promise);
  assert.deepEqual(seen, []);
  await pending;
  assert.deepEqual(seen, ["remote", "local"]);
});

test("the first refusal stops the rest, synchronous or not", async () => {
  const seen: string[] = [];
  const refuse = new GatewayError(429, "TooManyRequests", "limit", "rate_limited");
  assert.throws(
    () =>
      admitAll(
        [
          {
            name: "limit",
            admit: () => {
              throw refuse;
            },
          },
          { name: "after", admit: () => void seen.push("after") },
        ],
        ctx,
      ),
    (err) => err === refuse,
  );
  await assert.rejects(
    Promise.resolve(
      admitAll(
        [
          { name: "remote", admit: () => Promise.reject(refuse) },
          { name: "after", admit: () => void seen.push("after") },
        ],
        ctx,
      ),
    ),
    (err) => err === refuse,
  );
  assert.deepEqual(seen, []);
});

test("every policy settles even when one fails, and the failure is logged", () => {
  const settled: string[] = [];
  const logs: string[] = [];
  settleAll(
    [
      {
        name: "ledger",
        settle: () => {
          throw new Error("disk full");
        },
      },
      { name: "metrics", settle: (_c, r) => void settled.push(r === record ? "metrics" : "?") },
    ],
    ctx,
    record,
    (line) => logs.push(line),
  );
  assert.deepEqual(settled, ["metrics"]);
  assert.deepEqual(logs, ["aigw: request policy ledger failed to settle: disk full"]);
});
