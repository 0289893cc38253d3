import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RunningGateway } from "../../src/gateway/gateway-options.js";
import { startGateway } from "../../src/gateway/start-gateway.js";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import { jwksJson, type SigningKey, signingKey, signToken } from "../support/jwt-issuer.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { apiKeyAuth, apiKeySecretDoc, securityPolicyDoc } from "../support/security-policy-yaml.js";
import { sendRaw } from "../support/send-raw.js";

/**
 * A reload that changes the keys: a rotated API key and a new inline JWKS take effect with the new
 * snapshot; the old key and the tokens of the removed signing key, verified before, stop working.
 */

let upstream: RecordingUpstream;
let dir: string;
let file: string;
let gateway: RunningGateway;
let k1: SigningKey;
let k2: SigningKey;

function configFor(apiKey: string, signing: SigningKey) {
  return configYaml(
    gatewayDocs(),
    openAIBackendDocs("up", upstream.url),
    routeDoc("keys", { rules: [{ matches: [modelIs("by-key")], backendRefs: [{ name: "up" }] }] }),
    routeDoc("tokens", { rules: [{ matches: [modelIs("by-token")], backendRefs: [{ name: "up" }] }] }),
    apiKeySecretDoc("keys", { alice: apiKey }),
    securityPolicyDoc("by-key", { route: "keys" }, { apiKeyAuth: apiKeyAuth("keys") }),
    securityPolicyDoc(
      "by-token",
      { route: "tokens" },
      { jwt: { providers: [{ name: "idp", localJWKS: { type: "Inline", inline: jwksJson([signing]) } }] } },
    ),
  );
}

before(async () => {
  k1 = await signingKey("k1");
  k2 = await signingKey("k2");
  upstream = await startFakeOpenAI();
  dir = await mkdtemp(join(tmpdir(), "aigw-auth-reload-"));
  file = join(dir, "config.yaml");
  await writeFile(file, configFor("key-before", k1));
  gateway = await startGateway({
    configPaths: [file],
    watch: false,
    port: 0,
    adminPort: 0,
    host: "127.0.0.1",
    accessLog: false,
    log: () => {},
  });
});

after(async () => {
  await gateway?.close();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

const chat = (model: string, authorization: string) =>
  sendRaw(`${gateway.url}/v1/chat/completions`, {
    headers: { authorization },
    body: { model, messages: [{ role: "user", content: "Hi" }] },
  }).then((r) => r.status);

test("a reload that rotates the API key and the signing key: the old ones stop working, the new ones work", async () => {
  const oldToken = await signToken(k1, { sub: "a" });
  assert.equal(await chat("by-key", "Bearer key-before"), 200);
  assert.equal(await chat("by-token", `Bearer ${oldToken}`), 200);

  await writeFile(file, configFor("key-after", k2));
  assert.deepEqual(await gateway.reload(), { ok: true });

  assert.equal(await chat("by-key", "Bearer key-before"), 401);
  assert.equal(await chat("by-key", "Bearer key-after"), 200);
  assert.equal(await chat("by-token", `Bearer ${oldToken}`), 401, "verified before, but not by the new keys");
  assert.equal(await chat("by-token", `Bearer ${await signToken(k2, { sub: "b" })}`), 200);
});

test("a reload whose SecurityPolicy is invalid is refused and the running keys keep working", async () => {
  await writeFile(
    file,
    configFor("key-after", k2).replace("apiKeyAuth:", "basicAuth: {users: {name: u}}\n  apiKeyAuth:"),
  );
  const result = await gateway.reload();
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? "" : result.error,
    /spec\.basicAuth: Invalid value: "object": aigw does not enforce basicAuth/,
  );
  assert.equal(await chat("by-key", "Bearer key-after"), 200);
});
