import assert from "node:assert/strict";
import { test } from "node:test";
import { scopesOf } from "../../src/auth/claims.js";
import { compileAuthorization } from "../../src/auth/compile-authorization.js";
import type { JwtProvider, VerifiedToken } from "../../src/auth/jwt-auth.js";
import { authRequest } from "./auth-request.js";

/** A verified token of provider `provider` with these claims, as the JWT authenticator makes one. */
function token(provider: string, claims: Record<string, unknown>): VerifiedToken {
  return {
    provider: { name: provider } as JwtProvider,
    identity: { consumer: undefined },
    claims,
    scopes: scopesOf(claims),
    headers: [],
  };
}

test("rules are tried in order, the first match decides; none matching, defaultAction (Deny when unset)", () => {
  const authorize = compileAuthorization({
    rules: [
      { action: "Deny", principal: { headers: [{ name: "x-tier", values: ["banned"] }] } },
      { action: "Allow", principal: { headers: [{ name: "X-Tier", values: ["gold", "silver"] }] } },
    ],
  });
  assert.equal(authorize(authRequest({ "x-tier": "gold" }), undefined), true);
  assert.equal(authorize(authRequest({ "x-tier": "silver" }), undefined), true);
  assert.equal(authorize(authRequest({ "x-tier": "banned" }), undefined), false);
  assert.equal(authorize(authRequest({ "x-tier": "bronze" }), undefined), false);
  assert.equal(authorize(authRequest({}), undefined), false);
  const allowByDefault = compileAuthorization({
    defaultAction: "Allow",
    rules: [{ action: "Deny", principal: { clientCIDRs: ["10.0.0.0/8"] } }],
  });
  assert.equal(allowByDefault(authRequest({}, { clientAddress: "10.1.2.3" }), undefined), false);
  assert.equal(allowByDefault(authRequest({}, { clientAddress: "192.168.0.1" }), undefined), true);
  assert.equal(compileAuthorization({})(authRequest({}), undefined), false);
});

test("x-ai-eg-model is the body's model, whatever the client sent in the header; listings have no model", () => {
  const authorize = compileAuthorization({
    rules: [{ action: "Allow", principal: { headers: [{ name: "x-ai-eg-model", values: ["gpt-small"] }] } }],
  });
  assert.equal(
    authorize(authRequest({ "x-ai-eg-model": "gpt-big" }, { model: "gpt-small" }), undefined),
    true,
  );
  assert.equal(
    authorize(authRequest({ "x-ai-eg-model": "gpt-small" }, { model: "gpt-big" }), undefined),
    false,
  );
  assert.equal(
    authorize(authRequest({ "x-ai-eg-model": "gpt-small" }, { model: undefined }), undefined),
    false,
  );
});

test("clientCIDRs: any range holds the peer's address (IPv4-mapped IPv6 read as IPv4), IPv6 too", () => {
  const authorize = compileAuthorization({
    rules: [{ action: "Allow", principal: { clientCIDRs: ["10.0.0.0/8", "2001:db8::/32"] } }],
  });
  assert.equal(authorize(authRequest({}, { clientAddress: "::ffff:10.9.8.7" }), undefined), true);
  assert.equal(authorize(authRequest({}, { clientAddress: "2001:db8::1" }), undefined), true);
  assert.equal(authorize(authRequest({}, { clientAddress: "11.0.0.1" }), undefined), false);
});

test("a jwt principal: the named provider's token, every claim with one of its values, every scope", () => {
  const authorize = compileAuthorization({
    rules: [
      {
        action: "Allow",
        principal: {
          jwt: {
            provider: "idp",
            claims: [
              { name: "org.department", values: ["research", "ops"] },
              { name: "groups", valueType: "StringArray", values: ["ml"] },
            ],
            scopes: ["chat", "embed"],
          },
        },
      },
    ],
  });
  const claims = { org: { department: "ops" }, groups: ["web", "ml"], scope: "chat embed extra" };
  assert.equal(authorize(authRequest({}), token("idp", claims)), true);
  assert.equal(authorize(authRequest({}), token("other", claims)), false, "another provider's token");
  assert.equal(authorize(authRequest({}), undefined), false, "no token");
  assert.equal(authorize(authRequest({}), token("idp", { ...claims, org: { department: "sales" } })), false);
  assert.equal(authorize(authRequest({}), token("idp", { ...claims, groups: "ml" })), false, "not a list");
  assert.equal(
    authorize(authRequest({}), token("idp", { ...claims, scope: "chat" })),
    false,
    "a scope missing",
  );
  assert.equal(
    authorize(authRequest({}), token("idp", { ...claims, scope: undefined, scp: ["chat", "embed"] })),
    true,
    "scp as a list",
  );
});

test("every kind of a principal must match: CIDR and header together", () => {
  const authorize = compileAuthorization({
    rules: [
      {
        action: "Allow",
        principal: { clientCIDRs: ["127.0.0.0/8"], headers: [{ name: "x-team", values: ["a"] }] },
      },
    ],
  });
  assert.equal(authorize(authRequest({ "x-team": "a" }), undefined), true);
  assert.equal(authorize(authRequest({ "x-team": "a" }, { clientAddress: "10.0.0.1" }), undefined), false);
  assert.equal(authorize(authRequest({ "x-team": "b" }), undefined), false);
});
