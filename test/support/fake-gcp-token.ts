import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { decodeProtectedHeader, jwtVerify } from "jose";
import {
  type ReceivedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
} from "./recording-upstream.js";

/** A service account the test made itself: its key file (JSON text) and the public half of its key. */
export interface TestServiceAccount {
  keyFile: string;
  clientEmail: string;
  privateKeyId: string;
  publicKey: KeyObject;
}

/** A fresh RSA key pair in a Google service-account key file whose token_uri is `tokenUri`. */
export function makeServiceAccount(
  tokenUri: string,
  clientEmail = "aigw-test@test-project.iam.gserviceaccount.com",
): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyId = randomBytes(20).toString("hex");
  const keyFile = JSON.stringify({
    type: "service_account",
    // A project of the key file's own: the gateway must use the policy's, never this one.
    project_id: "key-file-project",
    private_key_id: privateKeyId,
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: clientEmail,
    client_id: "123456789012345678901",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: tokenUri,
  });
  return { keyFile, clientEmail, privateKeyId, publicKey };
}

/** One token the fake issued. */
export interface IssuedToken {
  value: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface FakeGcpToken {
  /** The token endpoint, "http://127.0.0.1:<port>/token": the token_uri of `account`. */
  readonly tokenUri: string;
  readonly account: TestServiceAccount;
  /** Every token issued, in order. */
  readonly issued: IssuedToken[];
  /** Every request received, accepted or not. */
  readonly requests: ReceivedRequest[];
  /** expires_in (seconds) of the tokens issued from now on. */
  expiresIn: number;
  /** Answers the next `count` exchanges with `status` and this OAuth error instead of a token. */
  failNext(count: number, status: number, error: string, description: string): void;
  /** Answers the next exchange (after its checks) with this status and JSON body, verbatim. */
  answerNext(status: number, body: unknown): void;
  /** Holds the answers of the following exchanges until the returned function is called. */
  hold(): () => void;
  /** True for a token this fake issued that has not expired. */
  isValid(token: string): boolean;
  close(): Promise<void>;
}

const PATH = "/token";
const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * A fake Google OAuth 2.0 token endpoint on 127.0.0.1 for the service-account flow, as strict as
 * Google's where a gateway can get it wrong: POST /token only, form-encoded, grant_type jwt-bearer,
 * an `assertion` that is an RS256 JWT signed by `account`'s key (verified with its public key) with
 * kid = private_key_id, iss = sub = client_email, aud = this token URI, the cloud-platform scope,
 * iat within a minute of now and exp = iat + 3600. A mismatch answers 400 invalid_grant like Google
 * does. Tokens are opaque strings with `expiresIn` seconds to live.
 */
export async function startFakeGcpToken(options: { expiresIn?: number } = {}): Promise<FakeGcpToken> {
  const issued: IssuedToken[] = [];
  const failures: { status: number; error: string; description: string }[] = [];
  const verbatim: { status: number; body: unknown }[] = [];
  let held: Promise<void> | undefined;
  let account: TestServiceAccount | undefined;
  let tokenUri = "";
  const upstream: RecordingUpstream = await startRecordingUpstream(async (req, res) => {
    if (held) await held;
    const refusal = await check(req, account as TestServiceAccount, tokenUri);
    if (refusal) return oauthError(res, 400, "invalid_grant", refusal);
    const next = verbatim.shift();
    if (next) {
      res.writeHead(next.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(next.body));
      return;
    }
    const failure = failures.shift();
    if (failure) return oauthError(res, failure.status, failure.error, failure.description);
    const value = `ya29.fake-${issued.length + 1}-${randomBytes(12).toString("base64url")}`;
    issued.push({ value, expiresAt: Date.now() + fake.expiresIn * 1000 });
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ access_token: value, expires_in: fake.expiresIn, token_type: "Bearer" }));
  });
  tokenUri = `${upstream.url}${PATH}`;
  account = makeServiceAccount(tokenUri);
  const fake: FakeGcpToken = {
    tokenUri,
    account,
    issued,
    requests: upstream.requests,
    expiresIn: options.expiresIn ?? 3600,
    failNext(count, status, error, description) {
      for (let i = 0; i < count; i++) failures.push({ status, error, description });
    },
    answerNext(status, body) {
      verbatim.push({ status, body });
    },
    hold() {
      let release = (): void => {};
      held = new Promise<void>((resolve) => {
        release = () => {
          held = undefined;
          resolve();
        };
      });
      return release;
    },
    isValid(token) {
      return issued.some((t) => t.value === token && Date.now() < t.expiresAt);
    },
    close: () => upstream.close(),
  };
  return fake;
}

/** Why the exchange is refused, or undefined when it is what Google expects. */
async function check(
  req: ReceivedRequest,
  account: TestServiceAccount,
  tokenUri: string,
): Promise<string | undefined> {
  if (req.method !== "POST" || req.url !== PATH) return `unexpected ${req.method} ${req.url}`;
  if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded"))
    return "the body must be application/x-www-form-urlencoded";
  const form = new URLSearchParams(req.body.toString("utf8"));
  if (form.get("grant_type") !== GRANT) return `Invalid grant_type: ${form.get("grant_type")}`;
  const assertion = form.get("assertion");
  if (!assertion) return "missing assertion";
  try {
    const header = decodeProtectedHeader(assertion);
    if (header.kid !== account.privateKeyId) return "Invalid JWT: kid is not the key's private_key_id";
    const { payload } = await jwtVerify(assertion, account.publicKey, {
      algorithms: ["RS256"],
      issuer: account.clientEmail,
      subject: account.clientEmail,
      audience: tokenUri,
    });
    if (payload.scope !== SCOPE) return `Invalid scope: ${String(payload.scope)}`;
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== "number" || Math.abs(payload.iat - now) > 60)
      return "Invalid JWT: iat is not now";
    if (payload.exp !== payload.iat + 3600) return "Invalid JWT: exp must be iat + 3600";
  } catch (err) {
    return `Invalid JWT Signature. (${(err as Error).message})`;
  }
  return undefined;
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error, error_description: description }));
}

/** A Secret holding `account`'s key file and the GCPCredentials BackendSecurityPolicy of `backend` using it. */
export function gcpPolicyDocs(
  backend: string,
  account: TestServiceAccount,
  location: { projectName: string; region: string },
): Record<string, unknown>[] {
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${backend}-gcp`, namespace: "default" },
      type: "Opaque",
      stringData: { "service_account.json": account.keyFile },
    },
    {
      apiVersion: "aigateway.envoyproxy.io/v1beta1",
      kind: "BackendSecurityPolicy",
      metadata: { name: `${backend}-gcp`, namespace: "default" },
      spec: {
        targetRefs: [{ group: "aigateway.envoyproxy.io", kind: "AIServiceBackend", name: backend }],
        type: "GCPCredentials",
        gcpCredentials: { ...location, credentialsFile: { secretRef: { name: `${backend}-gcp` } } },
      },
    },
  ];
}
