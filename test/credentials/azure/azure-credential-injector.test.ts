import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidAzureAuthorityError } from "../../../src/credentials/azure/azure-authority-host.js";
import {
  createAzureCredentialInjector,
  InvalidAzureCredentialsError,
} from "../../../src/credentials/azure/create-azure-credential-injector.js";
import type { PostForm } from "../../../src/credentials/azure/request-entra-token.js";
import type { OutgoingRequest } from "../../../src/credentials/credential-injector.js";
import { MissingCredentialError } from "../../../src/credentials/missing-credential-error.js";

const SPEC = {
  tenantID: "t-1",
  clientID: "c-1",
  clientSecret: "s-1",
  overrideEnabled: false,
  fallbackToConfigured: true,
};

function outgoing(clientHeaders: Record<string, string> = {}): OutgoingRequest {
  return { method: "POST", path: "/x", authority: "a", headers: {}, body: "{}", clientHeaders };
}

function counting(): { post: PostForm; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    post: async (url) => {
      urls.push(url);
      return { status: 200, text: JSON.stringify({ access_token: `tok-${urls.length}`, expires_in: 3600 }) };
    },
  };
}

describe("createAzureCredentialInjector", () => {
  it("sets the bearer token, fetched once and then synchronously", async () => {
    const { post, urls } = counting();
    const injector = createAzureCredentialInjector(
      SPEC,
      { AZURE_AUTHORITY_HOST: "https://login.example.test" },
      post,
    );
    const first = outgoing();
    await injector.inject(first);
    assert.equal(first.headers.authorization, "Bearer tok-1");
    assert.deepEqual(urls, ["https://login.example.test/t-1/oauth2/v2.0/token"]);
    const second = outgoing();
    assert.equal(injector.inject(second), undefined, "no promise with a cached token");
    assert.equal(second.headers.authorization, "Bearer tok-1");
  });

  it("credentialOverride: the client's token header wins and is declared for stripping; without fallback it is required", async () => {
    const { post, urls } = counting();
    const injector = createAzureCredentialInjector(
      { ...SPEC, overrideEnabled: true, fallbackToConfigured: false },
      {},
      post,
    );
    assert.deepEqual(injector.overrideHeaders, ["x-aigw-azure-access-token"]);
    const req = outgoing({ "x-aigw-azure-access-token": "client-token" });
    assert.equal(injector.inject(req), undefined);
    assert.equal(req.headers.authorization, "Bearer client-token");
    assert.throws(() => injector.inject(outgoing()), MissingCredentialError);
    assert.deepEqual(urls, [], "Entra never asked");

    const custom = createAzureCredentialInjector(
      { ...SPEC, overrideEnabled: true, overrideHeader: "X-My-Token" },
      {},
      post,
    );
    assert.deepEqual(custom.overrideHeaders, ["x-my-token"]);
    const fallback = outgoing();
    await custom.inject(fallback);
    assert.equal(fallback.headers.authorization, "Bearer tok-1", "with fallback, the configured credential");
  });

  it("configuration errors: no client secret, an http authority", () => {
    assert.throws(
      () => createAzureCredentialInjector({ ...SPEC, clientSecret: undefined }, {}),
      InvalidAzureCredentialsError,
    );
    assert.throws(() => createAzureCredentialInjector({ ...SPEC, clientSecret: "" }, {}), /clientSecretRef/);
    assert.throws(
      () => createAzureCredentialInjector(SPEC, { AZURE_AUTHORITY_HOST: "http://login.example.test" }),
      InvalidAzureAuthorityError,
    );
  });
});
