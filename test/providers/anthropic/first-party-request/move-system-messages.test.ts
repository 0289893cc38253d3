import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moveSystemMessages } from "../../../../src/providers/anthropic/first-party-request/move-system-messages.js";
import { InvalidRequestError } from "../../../../src/providers/translator.js";

describe("moveSystemMessages", () => {
  it("returns the messages themselves when none has the system role", () => {
    const messages = [{ role: "user", content: "hi" }];
    const out = moveSystemMessages("Be brief.", messages);
    assert.equal(out.messages, messages);
    assert.equal(out.system, "Be brief.");
    assert.equal(out.moved, 0);
  });

  it("appends each system message to the top-level system, in order, keeping cache_control", () => {
    const out = moveSystemMessages("Be brief.", [
      { role: "user", content: "one" },
      { role: "system", content: "Agents: a, b" },
      { role: "assistant", content: "ok" },
      { role: "system", content: [{ type: "text", text: "Later", cache_control: { type: "ephemeral" } }] },
      { role: "user", content: "two" },
    ]);
    assert.equal(out.moved, 2);
    assert.deepEqual(out.system, [
      { type: "text", text: "Be brief." },
      { type: "text", text: "Agents: a, b" },
      { type: "text", text: "Later", cache_control: { type: "ephemeral" } },
    ]);
    assert.deepEqual(out.messages, [
      { role: "user", content: "one" },
      { role: "assistant", content: "ok" },
      { role: "user", content: "two" },
    ]);
  });

  it("joins the turns of one role a system message separated, without touching the client's body", () => {
    const first = { role: "user", content: [{ type: "text", text: "one" }] };
    const messages = [first, { role: "system", content: "S" }, { role: "user", content: "two" }];
    const before = structuredClone(messages);
    const out = moveSystemMessages(undefined, messages);
    assert.deepEqual(out.system, [{ type: "text", text: "S" }]);
    assert.deepEqual(out.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
        ],
      },
    ]);
    assert.deepEqual(messages, before);
  });

  it("refuses system content that is neither a string nor blocks with 400", () => {
    assert.throws(
      () => moveSystemMessages(undefined, [{ role: "system", content: 7 }]),
      (err: unknown) => err instanceof InvalidRequestError && err.status === 400,
    );
  });
});
