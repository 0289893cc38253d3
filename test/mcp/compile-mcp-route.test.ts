import * as assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Resource } from "../../src/config/resource.js";
import { ResourceIndex } from "../../src/config/resource-index.js";
import { compileMcpRoutes } from "../../src/mcp/compile-mcp-route.js";
import { ALLOW_ALL } from "../../src/mcp/mcp-access.js";
import { PREFIXED_NAMES, UNPREFIXED_ANNOTATION } from "../../src/mcp/mcp-names.js";
import { DispatcherCache } from "../../src/upstream/dispatcher-cache.js";

function backend(name: string, port = 9000): Resource {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "Backend",
    metadata: { name, namespace: "default" },
    spec: { endpoints: [{ ip: { address: "127.0.0.1", port } }] },
    source: "test",
  };
}

function route(backendRefs: Record<string, unknown>[], spec: Record<string, unknown> = {}): Resource {
  return {
    apiVersion: "aigateway.envoyproxy.io/v1alpha1",
    kind: "MCPRoute",
    metadata: { name: "r", namespace: "default" },
    spec: { parentRefs: [{ name: "gw" }], backendRefs, ...spec },
    source: "test",
  };
}

describe("compileMcpRoutes", () => {
  const dispatchers = new DispatcherCache();
  after(() => dispatchers.closeAll());
  const compile = (...resources: Resource[]) =>
    compileMcpRoutes({ index: new ResourceIndex(resources), dispatchers });

  it("defaults the paths, resolves the Backend's origin and shares its pool", () => {
    const { routes, origins } = compile(
      backend("a"),
      backend("b"),
      route([{ name: "a" }, { name: "b", path: "/v2/mcp" }]),
    );
    const [r] = routes;
    assert.equal(r?.key, "default/r");
    assert.equal(r?.path, "/mcp");
    assert.equal(r?.access, ALLOW_ALL);
    assert.deepEqual(
      r?.backends.map((b) => [b.name, b.origin, b.path]),
      [
        ["a", "http://127.0.0.1:9000", "/mcp"],
        ["b", "http://127.0.0.1:9000", "/v2/mcp"],
      ],
    );
    assert.equal(r?.backends[0]?.dispatcher, r?.backends[1]?.dispatcher);
    assert.equal(origins.length, 2);
  });

  it("refuses backend names that would make prefixed names ambiguous", () => {
    assert.throws(
      () => compile(backend("my_tools"), route([{ name: "my_tools" }])),
      /must not contain "_" or "\+"/,
    );
  });

  it("refuses to forward the client's Authorization", () => {
    assert.throws(
      () => compile(backend("a"), route([{ name: "a", forwardHeaders: [{ name: "Authorization" }] }])),
      /Authorization is never forwarded/,
    );
  });

  it("serves a one-backend route unprefixed only when its annotation asks", () => {
    const annotated = (value: string, refs: Record<string, unknown>[]) => {
      const r = route(refs);
      r.metadata.annotations = { [UNPREFIXED_ANNOTATION]: value };
      return r;
    };
    const [plain] = compile(backend("a"), route([{ name: "a" }])).routes;
    assert.equal(plain?.names, PREFIXED_NAMES);
    const [single] = compile(backend("a"), annotated("true", [{ name: "a" }])).routes;
    assert.equal(single?.names.prefixName("a", "echo"), "echo");
    assert.deepEqual(single?.names.splitUri("test://x"), { backend: "a", name: "test://x" });
    assert.throws(
      () => compile(backend("a"), backend("b"), annotated("true", [{ name: "a" }, { name: "b" }])),
      /needs exactly one backendRef/,
    );
    assert.throws(
      () => compile(backend("a"), annotated("yes", [{ name: "a" }])),
      /must be "true" or "false"/,
    );
  });

  it("names a missing Backend or API key Secret", () => {
    assert.throws(() => compile(route([{ name: "a" }])), /Backend default\/a not found/);
    assert.throws(
      () =>
        compile(
          backend("a"),
          route([{ name: "a", securityPolicy: { apiKey: { secretRef: { name: "k" } } } }]),
        ),
      /Secret default\/k with key apiKey not found/,
    );
  });

  it("hands the route to the access compiler it is given", () => {
    const access = { ...ALLOW_ALL };
    const { routes } = compileMcpRoutes({
      index: new ResourceIndex([backend("a"), route([{ name: "a" }])]),
      dispatchers,
      accessOf: (r) => {
        assert.equal(r.metadata.name, "r");
        return access;
      },
    });
    assert.equal(routes[0]?.access, access);
  });
});
