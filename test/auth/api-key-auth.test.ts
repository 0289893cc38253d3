import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENT_AUTHENTICATION_FAILED, compileApiKeyAuth } from "../../src/auth/api-key-auth.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import { authRequest } from "./auth-request.js";

const CLIENTS = [
  { clientId: "alice", key: "key-alice", headers: [["x-tenant-id", "acme"]] as const },
  { clientId: "bob", key: "key-bob", headers: [] },
];

const sdkKeys = compileApiKeyAuth(
  { extractFrom: [{ headers: ["authorization", "x-api-key"] }], forwardClientIDHeader: "X-Client-ID" },
  CLIENTS,
);

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return err;
  }
  assert.fail("expected a refusal");
}

test("the OpenAI SDK's Authorization: Bearer <key> and Anthropic's x-api-key both name the client", () => {
  for (const headers of [
    { authorization: "Bearer key-alice" },
    { authorization: "bearer key-alice" },
    { "x-api-key": "key-alice" },
  ]) {
    const request = authRequest(headers);
    assert.deepEqual(sdkKeys.authenticate(request), { consumer: "alice" });
    assert.equal(request.headers["x-client-id"], "alice");
    assert.equal(request.headers["x-tenant-id"], "acme");
  }
  assert.deepEqual(sdkKeys.produces, ["x-client-id", "x-tenant-id"]);
});

test("the first place holding a key decides, in extractFrom order", () => {
  const request = authRequest({ authorization: "Bearer key-bob", "x-api-key": "key-alice" });
  assert.equal(sdkKeys.authenticate(request).consumer, "bob");
  // An empty first place is skipped, as Envoy skips sources without a key.
  assert.equal(
    sdkKeys.authenticate(authRequest({ authorization: "Bearer ", "x-api-key": "key-bob" })).consumer,
    "bob",
  );
});

test("no key: 401 Client authentication failed. with a bare challenge; an unknown key: the same with invalid_token", () => {
  const missing = refusal(() => sdkKeys.authenticate(authRequest({})));
  assert.equal(missing.status, 401);
  assert.equal(missing.message, CLIENT_AUTHENTICATION_FAILED);
  assert.equal(missing.logCode, "unauthenticated");
  assert.equal(missing.headers?.["www-authenticate"], 'Bearer realm="http://gw.test/v1/chat/completions"');
  const unknown = refusal(() => sdkKeys.authenticate(authRequest({ authorization: "Bearer key-eve" })));
  assert.equal(unknown.status, 401);
  assert.equal(
    unknown.headers?.["www-authenticate"],
    'Bearer realm="http://gw.test/v1/chat/completions", error="invalid_token"',
  );
  assert.doesNotMatch(`${unknown.message} ${JSON.stringify(unknown.headers)}`, /key-eve/);
});

test("query parameters and cookies carry keys too; sanitize removes the key from headers and cookies", () => {
  const auth = compileApiKeyAuth(
    {
      extractFrom: [{ headers: ["x-team-key"] }, { params: ["api_key"] }, { cookies: ["session"] }],
      sanitize: true,
    },
    CLIENTS,
  );
  const byParam = authRequest({}, { url: "/v1/chat/completions?x=1&api_key=key-bob" });
  assert.equal(auth.authenticate(byParam).consumer, "bob");
  const byCookie = authRequest({ cookie: "theme=dark; session=key-alice" });
  assert.equal(auth.authenticate(byCookie).consumer, "alice");
  assert.equal(byCookie.headers.cookie, "theme=dark");
  const byHeader = authRequest({ "x-team-key": "key-alice", cookie: "session=key-alice" });
  auth.authenticate(byHeader);
  assert.equal(byHeader.headers["x-team-key"], undefined);
  assert.equal(byHeader.headers.cookie, undefined);
  // Without sanitize the key stays where it was.
  const kept = compileApiKeyAuth({ extractFrom: [{ headers: ["x-team-key"] }] }, CLIENTS);
  const request = authRequest({ "x-team-key": "key-alice" });
  kept.authenticate(request);
  assert.equal(request.headers["x-team-key"], "key-alice");
});

test("a custom header is read as it is, but a Bearer scheme before the key is still stripped (as Envoy does)", () => {
  const auth = compileApiKeyAuth({ extractFrom: [{ headers: ["x-team-key"] }] }, CLIENTS);
  assert.equal(auth.authenticate(authRequest({ "x-team-key": "Bearer key-bob" })).consumer, "bob");
  assert.throws(() => auth.authenticate(authRequest({ "x-team-key": "Basic key-bob" })), GatewayError);
});
