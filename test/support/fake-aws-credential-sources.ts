import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { FakeBedrockCredentials } from "./fake-bedrock.js";
import { type ReceivedRequest, startRecordingUpstream } from "./recording-upstream.js";

/**
 * Fakes of the two places AWS's default credential chain fetches temporary credentials from over
 * HTTP, speaking their documented wire formats, on 127.0.0.1:
 * - the container credentials endpoint (ECS task roles, EKS Pod Identity): GET on
 *   AWS_CONTAINER_CREDENTIALS_FULL_URI with the token as the Authorization header, answered with
 *   `{"AccessKeyId","SecretAccessKey","Token","Expiration"}`;
 * - STS AssumeRoleWithWebIdentity (IRSA): the query protocol (a form-encoded POST) answered with
 *   the XML AWS documents, or STS's `ErrorResponse` when the role or the token is not the expected one.
 * Both refuse what the real service would refuse, so a chain that sends the wrong token fails.
 */

/** Temporary credentials for one hour, as both services hand them out by default. */
const LIFETIME_MS = 3_600_000;

export interface FakeCredentialSource {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  /** Every request received, accepted or not. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

export interface FakeContainerCredentialsOptions {
  /** The Authorization header value it requires (the content of AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]). */
  token: string;
  /**
   * What it hands out, the n-th set to the n-th request (the last one thereafter); the session token
   * is required, as the real endpoints always send one.
   */
  credentials: Required<FakeBedrockCredentials> | readonly Required<FakeBedrockCredentials>[];
  /** How long each set is valid from when it is handed out; default one hour. */
  lifetimeMs?: number;
}

/** Serves container credentials at `<url>/v1/credentials` (the EKS Pod Identity agent's path). */
export async function startFakeContainerCredentials(
  options: FakeContainerCredentialsOptions,
): Promise<FakeCredentialSource> {
  const sequence = [options.credentials].flat();
  let handedOut = 0;
  const upstream = await startRecordingUpstream((req, res) => {
    if (req.method !== "GET" || req.url !== "/v1/credentials") {
      return sendJson(res, 404, { Code: "NotFound", Message: `no credentials at ${req.method} ${req.url}` });
    }
    if (req.headers.authorization !== options.token) {
      return sendJson(res, 401, { Code: "AccessDenied", Message: "Invalid authorization token" });
    }
    const { accessKeyId, secretAccessKey, sessionToken } = sequence[
      Math.min(handedOut++, sequence.length - 1)
    ] as Required<FakeBedrockCredentials>;
    sendJson(res, 200, {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      Token: sessionToken,
      Expiration: new Date(Date.now() + (options.lifetimeMs ?? LIFETIME_MS)).toISOString(),
    });
  });
  return { url: upstream.url, requests: upstream.requests, close: () => upstream.close() };
}

export interface FakeStsOptions {
  /** The only role it lets be assumed. */
  roleArn: string;
  /** The only web identity token it accepts (the token file's content). */
  webIdentityToken: string;
  credentials: Required<FakeBedrockCredentials>;
}

export interface FakeSts extends FakeCredentialSource {
  /** The form parameters of every AssumeRoleWithWebIdentity call, accepted or not. */
  readonly calls: URLSearchParams[];
}

/** An STS endpoint (AWS_ENDPOINT_URL_STS) that answers AssumeRoleWithWebIdentity. */
export async function startFakeSts(options: FakeStsOptions): Promise<FakeSts> {
  const calls: URLSearchParams[] = [];
  const upstream = await startRecordingUpstream((req, res) => {
    const params = new URLSearchParams(req.body.toString("utf8"));
    const form = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    if (req.method !== "POST" || !form || params.get("Version") !== "2011-06-15") {
      return sendStsError(res, 400, "InvalidAction", "Could not find operation for this request.");
    }
    if (params.get("Action") !== "AssumeRoleWithWebIdentity") {
      return sendStsError(res, 400, "InvalidAction", `Could not find operation ${params.get("Action")}.`);
    }
    calls.push(params);
    if (params.get("WebIdentityToken") !== options.webIdentityToken) {
      return sendStsError(
        res,
        400,
        "InvalidIdentityToken",
        "Couldn't retrieve verification key from your identity provider.",
      );
    }
    if (params.get("RoleArn") !== options.roleArn) {
      return sendStsError(
        res,
        403,
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
      );
    }
    const session = params.get("RoleSessionName") ?? "";
    const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
    const role = options.roleArn.replace(/^arn:aws:iam::(\d+):role\//, "arn:aws:sts::$1:assumed-role/");
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:ai:aigw</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>${xml(`${role}/${session}`)}</Arn>
      <AssumedRoleId>AROAFAKEROLEID:${xml(session)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${xml(sessionToken)}</SessionToken>
      <SecretAccessKey>${xml(secretAccessKey)}</SecretAccessKey>
      <Expiration>${new Date(Date.now() + LIFETIME_MS).toISOString()}</Expiration>
      <AccessKeyId>${xml(accessKeyId)}</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/FAKE</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`,
    );
  });
  return { url: upstream.url, requests: upstream.requests, calls, close: () => upstream.close() };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** STS's query-protocol error document. */
function sendStsError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "text/xml" });
  res.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${xml(message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>
`,
  );
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
