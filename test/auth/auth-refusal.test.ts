import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRefusal, challenge, forbidden, unauthenticated } from "../../src/auth/auth-refusal.js";
import { GatewayError } from "../../src/gateway/gateway-error.js";
import { authRequest } from "./auth-request.js";

test("the challenge names the realm as Envoy does, without the query (it may hold the credential)", () => {
  const request = authRequest({ host: "gw.test:8080" }, { url: "/v1/models?api_key=secret" });
  assert.equal(challenge(request, false), 'Bearer realm="http://gw.test:8080/v1/models"');
  assert.equal(
    challenge(request, true),
    'Bearer realm="http://gw.test:8080/v1/models", error="invalid_token"',
  );
  const odd = authRequest({ host: 'evil"host' }, { url: `/${"a".repeat(300)}` });
  const realm = challenge(odd, false);
  assert.doesNotMatch(realm.slice('Bearer realm="'.length, -1), /"/);
  assert.equal(realm.length, 'Bearer realm="http://evilhost"'.length + 256);
});

test("401 and 403 refusals are AuthRefusals (the record's authRefused) with the access log's codes", () => {
  const denied = unauthenticated(authRequest({}), "Jwt is missing", false);
  assert.ok(denied instanceof AuthRefusal && denied instanceof GatewayError);
  assert.deepEqual([denied.status, denied.type, denied.logCode], [401, "Unauthorized", "unauthenticated"]);
  const refused = forbidden("RBAC: access denied", undefined, "bob");
  assert.deepEqual([refused.status, refused.type, refused.logCode], [403, "Forbidden", "forbidden"]);
  assert.equal(refused.consumer, "bob");
});
