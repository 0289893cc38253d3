import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessage } from "../../src/mcp/json-rpc.js";
import { PREFIXED_NAMES, unprefixedNames } from "../../src/mcp/mcp-names.js";
import { rewriteBackendMessage } from "../../src/mcp/rewrite-backend-message.js";
import { decodeServerRequestId } from "../../src/mcp/server-request-ids.js";

function rewrite(backend: string, data: string): string {
  return rewriteBackendMessage(PREFIXED_NAMES, backend, parseMessage(data)!, data);
}

describe("rewriteBackendMessage", () => {
  it("puts the backend into a server-to-client request's id", () => {
    const out = JSON.parse(rewrite("a", '{"jsonrpc":"2.0","id":3,"method":"roots/list"}'));
    assert.equal(out.method, "roots/list");
    assert.deepEqual(decodeServerRequestId(out.id), { backend: "a", id: 3 });
  });

  it("prefixes the URI of resources/updated", () => {
    const data = '{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///x"}}';
    assert.equal(JSON.parse(rewrite("b", data)).params.uri, "b+file:///x");
  });

  it("leaves the URI of resources/updated alone on an unprefixed route", () => {
    const data = '{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///x"}}';
    assert.equal(rewriteBackendMessage(unprefixedNames("b"), "b", parseMessage(data)!, data), data);
  });

  it("passes every other notification as the very same text", () => {
    for (const data of [
      '{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}',
      '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}',
      '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}',
    ]) {
      assert.equal(rewrite("c", data), data);
    }
  });
});
