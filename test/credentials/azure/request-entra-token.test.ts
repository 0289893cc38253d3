import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  azureAuthorityHost,
  DEFAULT_AZURE_AUTHORITY_HOST,
  InvalidAzureAuthorityError,
} from "../../../src/credentials/azure/azure-authority-host.js";
import { EntraTokenError } from "../../../src/credentials/azure/entra-token-error.js";
import {
  COGNITIVE_SERVICES_SCOPE,
  type PostForm,
  requestEntraToken,
} from "../../../src/credentials/azure/request-entra-token.js";
import { MissingCredentialError } from "../../../src/credentials/missing-credential-error.js";

const CREDENTIALS = {
  authorityHost: "https://login.example.test/private",
  tenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  clientID: "app-1",
  clientSecret: "s3cr3t+/=&value",
};

function answering(status: number, body: unknown, seen: { url: string; form: string }[] = []): PostForm {
  return async (url, form) => {
    seen.push({ url, form });
    return { status, text: typeof body === "string" ? body : JSON.stringify(body) };
  };
}

describe("azureAuthorityHost", () => {
  it("defaults to the public cloud and keeps a configured https origin and path", () => {
    assert.equal(azureAuthorityHost({}), DEFAULT_AZURE_AUTHORITY_HOST);
    assert.equal(azureAuthorityHost({ AZURE_AUTHORITY_HOST: "" }), DEFAULT_AZURE_AUTHORITY_HOST);
    assert.equal(
      azureAuthorityHost({ AZURE_AUTHORITY_HOST: "https://login.microsoftonline.us/" }),
      "https://login.microsoftonline.us",
    );
    assert.equal(
      azureAuthorityHost({ AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443/adfs/" }),
      "https://127.0.0.1:8443/adfs",
    );
  });

  it("refuses http and what is not a URL, saying why", () => {
    for (const value of [
      "http://login.example.test",
      "login.example.test",
      "https://login.example.test/?x=1",
    ]) {
      assert.throws(
        () => azureAuthorityHost({ AZURE_AUTHORITY_HOST: value }),
        (err: unknown) =>
          err instanceof InvalidAzureAuthorityError && err.message.includes("AZURE_AUTHORITY_HOST"),
        value,
      );
    }
    assert.throws(() => azureAuthorityHost({ AZURE_AUTHORITY_HOST: "http://x" }), /must be an https URL/);
  });
});

describe("requestEntraToken", () => {
  it("posts the client-credentials form to <authority>/<tenant>/oauth2/v2.0/token", async () => {
    const seen: { url: string; form: string }[] = [];
    const token = await requestEntraToken(
      CREDENTIALS,
      answering(
        200,
        { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: "eyJ0" },
        seen,
      ),
    );
    assert.deepEqual(token, { accessToken: "eyJ0", expiresIn: 3599, refreshIn: undefined });
    assert.equal(
      seen[0]!.url,
      `https://login.example.test/private/${CREDENTIALS.tenantID}/oauth2/v2.0/token`,
    );
    assert.deepEqual(Object.fromEntries(new URLSearchParams(seen[0]!.form)), {
      grant_type: "client_credentials",
      client_id: "app-1",
      client_secret: CREDENTIALS.clientSecret,
      scope: COGNITIVE_SERVICES_SCOPE,
    });
  });

  it("reads expires_in and refresh_in sent as strings", async () => {
    const token = await requestEntraToken(
      CREDENTIALS,
      answering(200, { access_token: "a", expires_in: "86399", refresh_in: "43199" }),
    );
    assert.equal(token.expiresIn, 86399);
    assert.equal(token.refreshIn, 43199);
  });

  it("an Entra error is an EntraTokenError (401) with the code and the description's first line, no secret", async () => {
    const err = await requestEntraToken(
      CREDENTIALS,
      answering(401, {
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided (${CREDENTIALS.clientSecret}).\r\nTrace ID: 1\r\nCorrelation ID: 2`,
        error_codes: [7000215],
      }),
    ).catch((e: unknown) => e);
    assert.ok(err instanceof EntraTokenError);
    assert.ok(err instanceof MissingCredentialError, "answered 401 like every missing upstream credential");
    assert.match(err.message, /client app-1 in tenant 72f988bf-86f1-41af-91ab-2d7cd011db47/);
    assert.match(
      err.message,
      /Entra answered 401 invalid_client: AADSTS7000215: Invalid client secret provided/,
    );
    assert.doesNotMatch(err.message, /Trace ID/);
    assert.ok(!err.message.includes(CREDENTIALS.clientSecret), err.message);
  });

  it("a 200 without a token, a non-JSON answer and a network failure are EntraTokenErrors", async () => {
    for (const post of [
      answering(200, { token_type: "Bearer" }),
      answering(200, "<html>sign in</html>"),
      answering(500, "<html>oops</html>"),
      (async () => {
        throw Object.assign(new TypeError("fetch failed"), {
          cause: Object.assign(new Error("unable to verify the first certificate"), {
            code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          }),
        });
      }) as PostForm,
    ]) {
      await assert.rejects(requestEntraToken(CREDENTIALS, post), EntraTokenError);
    }
    await assert.rejects(
      requestEntraToken(CREDENTIALS, async () => {
        throw Object.assign(new TypeError("fetch failed"), {
          cause: Object.assign(new Error("unable to verify the first certificate"), {
            code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          }),
        });
      }),
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE \(unable to verify the first certificate\)/,
    );
  });
});
