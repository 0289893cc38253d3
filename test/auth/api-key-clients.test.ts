import assert from "node:assert/strict";
import { test } from "node:test";
import { collectApiKeyClients } from "../../src/auth/api-key-clients.js";

const secret = (name: string, data: Record<string, string>, clientHeaders?: string) => ({
  name: `default/${name}`,
  data,
  clientHeaders,
});

test("clients are read Secret by Secret, sorted within one; a client seen before keeps its first key", () => {
  const clients = collectApiKeyClients([
    secret("a", { zed: "k-zed", alice: "k-alice" }),
    secret("b", { alice: "k-other", bob: "k-bob" }),
  ]);
  assert.deepEqual(
    clients.map((c) => [c.clientId, c.key]),
    [
      ["alice", "k-alice"],
      ["zed", "k-zed"],
      ["bob", "k-bob"],
    ],
  );
});

test("keys are trimmed (a Secret written with echo | base64 ends in a newline); empty keys admit no one", () => {
  const clients = collectApiKeyClients([secret("a", { alice: "k-alice\n", unset: "" })]);
  assert.deepEqual(
    clients.map((c) => [c.clientId, c.key]),
    [["alice", "k-alice"]],
  );
});

test("two clients with one key are Envoy Gateway's 'duplicated API key', named by client, never by key", () => {
  assert.throws(
    () => collectApiKeyClients([secret("a", { alice: "same" }), secret("b", { bob: "same" })]),
    (err: Error) => {
      assert.match(err.message, /Secret default\/b: duplicated API key: clients alice and bob/);
      assert.doesNotMatch(err.message, /same/);
      return true;
    },
  );
});

test("the client-headers annotation gives each client its headers; it may only name the Secret's clients", () => {
  const [alice, bob] = collectApiKeyClients([
    secret("a", { alice: "k1", bob: "k2" }, "alice: {x-tenant-id: acme}"),
  ]);
  assert.deepEqual(alice?.headers, [["x-tenant-id", "acme"]]);
  assert.deepEqual(bob?.headers, []);
  assert.throws(
    () => collectApiKeyClients([secret("a", { alice: "k1" }, "mallory: {x-tier: gold}")]),
    /Secret default\/a: annotation aigw\/client-headers names client mallory, which is not a key of the Secret/,
  );
  assert.throws(
    () => collectApiKeyClients([secret("a", { alice: "k1" }, "alice: {content-length: 1}")]),
    /Secret default\/a: annotation aigw\/client-headers: client alice: header content-length/,
  );
});
