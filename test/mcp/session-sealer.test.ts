import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type McpSession, openSession, sealSession } from "../../src/mcp/mcp-session.js";
import { SessionSealer } from "../../src/mcp/session-sealer.js";

const session: McpSession = {
  route: "default/tools",
  subject: "alice",
  version: "2025-11-25",
  backends: [
    { name: "a", sessionId: "sid-a", version: "2025-06-18", caps: 5 },
    { name: "b", sessionId: undefined, version: "2025-11-25", caps: 1 },
  ],
};

describe("sealed MCP sessions", () => {
  it("opens what it sealed, also in another sealer from the same seed", () => {
    const id = sealSession(new SessionSealer("seed"), session);
    assert.match(id, /^[A-Za-z0-9_-]+$/, "visible ASCII, as the spec wants session ids");
    assert.deepEqual(openSession(new SessionSealer("seed"), id), session);
  });

  it("seals the same session differently every time (random nonce)", () => {
    const sealer = new SessionSealer("seed");
    assert.notEqual(sealSession(sealer, session), sealSession(sealer, session));
  });

  it("opens nothing sealed with another seed, altered, truncated or made up", () => {
    const sealer = new SessionSealer("seed");
    const id = sealSession(sealer, session);
    assert.equal(openSession(new SessionSealer("other"), id), undefined);
    const bytes = Buffer.from(id, "base64url");
    for (const at of [0, 13, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at]! ^= 1;
      assert.equal(openSession(sealer, altered.toString("base64url")), undefined, `byte ${at}`);
    }
    assert.equal(openSession(sealer, id.slice(0, -4)), undefined);
    assert.equal(openSession(sealer, ""), undefined);
    assert.equal(openSession(sealer, "a".repeat(80)), undefined);
  });

  it("does not take what was sealed for another purpose as a session", () => {
    const sealer = new SessionSealer("seed");
    const eventId = sealer.seal("event-id", JSON.stringify({ r: "default/tools", v: "x", b: [] }));
    assert.equal(openSession(sealer, eventId), undefined);
    assert.equal(sealer.open("event-id", eventId), JSON.stringify({ r: "default/tools", v: "x", b: [] }));
  });
});
