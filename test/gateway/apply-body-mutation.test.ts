import * as assert from "node:assert/strict";
import { test } from "node:test";
import { applyBodyMutation } from "../../src/gateway/apply-body-mutation.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";

const mutation = { set: new Map<string, unknown>([["service_tier", "flex"]]), remove: ["user"] };

test("top-level fields are set and removed", () => {
  const out = applyBodyMutation(Buffer.from('{"model":"m","user":"u","n":1}'), mutation);
  assert.deepEqual(JSON.parse(out), { model: "m", n: 1, service_tier: "flex" });
});

test("a body nested more than 128 levels deep is a 400, not a stack overflow", () => {
  const deep = "[".repeat(8000) + "]".repeat(8000);
  for (const body of [Buffer.from(`{"model":"m","x":${deep}}`), `{"model":"m","x":${deep}}`]) {
    assert.throws(
      () => applyBodyMutation(body, mutation),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.status === 400 &&
        err.type === "BadRequest" &&
        /nested more than 128 levels deep/.test(err.message),
    );
  }
  const atLimit = `{"x":${"[".repeat(127)}${"]".repeat(127)}}`;
  assert.equal(JSON.parse(applyBodyMutation(atLimit, mutation)).service_tier, "flex");
});
