import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  type ReceivedRequest,
  type RecordingUpstream,
  startRecordingUpstream,
} from "./recording-upstream.js";

export interface FakeGcpFederationOptions {
  clientID: string;
  clientSecret: string;
  /** The audience STS expects: //iam.googleapis.com/projects/<id>/locations/global/workloadIdentityPools/<pool>/providers/<provider>. */
  audience: string;
  /** The service account generateAccessToken serves, e.g. vertex@my-project.iam.gserviceaccount.com. */
  serviceAccount: string;
}

export interface FakeGcpFederation {
  /** The OIDC issuer, "http://127.0.0.1:<port>"; its discovery document names the token endpoint. */
  readonly issuer: string;
  /** For AIGW_GCP_STS_URL. */
  readonly stsUrl: string;
  /** For AIGW_GCP_IAM_CREDENTIALS_URL. */
  readonly iamCredentialsUrl: string;
  readonly requests: ReceivedRequest[];
  /** Tokens issued by step: the OIDC client's, STS's federated ones, the service account's. */
  readonly issued: { oidc: string[]; sts: string[]; serviceAccount: string[] };
  /** Refuses the next STS exchange with Google's error. */
  failNextSts(status: number, error: string, description: string): void;
  /** True for an STS or service-account token this fake issued (they live an hour). */
  isValid(token: string): boolean;
  close(): Promise<void>;
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

/**
 * One fake server for workload identity federation's three legs, each as strict as the real one
 * where a gateway can get it wrong:
 * - an OIDC issuer: GET /.well-known/openid-configuration, and POST /oauth/token taking the client
 *   credentials grant with HTTP Basic client authentication and the discovered scope "openid";
 * - Google's STS: POST /v1/token (JSON, as Google's clients send it) exchanging an OIDC token this
 *   fake issued for a federated token, checking grant type, token types, audience and scope;
 * - Google's IAM credentials API: POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken
 *   with a federated token as bearer and the cloud-platform scope.
 * A mismatch is answered 400 or 401 with the error shape of the API concerned.
 */
export async function startFakeGcpFederation(options: FakeGcpFederationOptions): Promise<FakeGcpFederation> {
  const issued = { oidc: [] as string[], sts: [] as string[], serviceAccount: [] as string[] };
  const stsFailures: { status: number; error: string; description: string }[] = [];
  let base = "";
  const saPath = `/v1/projects/-/serviceAccounts/${encodeURIComponent(options.serviceAccount)}:generateAccessToken`;
  const upstream: RecordingUpstream = await startRecordingUpstream((req, res) => {
    if (req.method === "GET" && req.url === "/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer: base,
        token_endpoint: `${base}/oauth/token`,
        scopes_supported: ["openid"],
      });
    }
    if (req.method !== "POST") return json(res, 404, { error: "not_found" });
    if (req.url === "/oauth/token") {
      const expected = `Basic ${Buffer.from(`${options.clientID}:${options.clientSecret}`).toString("base64")}`;
      if (req.headers.authorization !== expected) return json(res, 401, { error: "invalid_client" });
      const form = new URLSearchParams(req.body.toString("utf8"));
      if (form.get("grant_type") !== "client_credentials")
        return json(res, 400, { error: "unsupported_grant_type" });
      if (!(form.get("scope") ?? "").split(" ").includes("openid"))
        return json(res, 400, { error: "invalid_scope" });
      const token = `oidc-${issued.oidc.length + 1}-${randomBytes(8).toString("hex")}`;
      issued.oidc.push(token);
      return json(res, 200, { access_token: token, token_type: "Bearer", expires_in: 300 });
    }
    if (req.url === "/v1/token") {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
      } catch {
        return json(res, 400, { error: "invalid_request", error_description: "body is not JSON" });
      }
      const problem =
        body.grantType !== TOKEN_EXCHANGE
          ? "Invalid grant type"
          : body.audience !== options.audience
            ? `Invalid value for "audience": ${String(body.audience)}`
            : body.subjectTokenType !== "urn:ietf:params:oauth:token-type:jwt"
              ? "Invalid subject token type"
              : body.requestedTokenType !== "urn:ietf:params:oauth:token-type:access_token"
                ? "Invalid requested token type"
                : body.scope !== CLOUD_PLATFORM
                  ? "Invalid scope"
                  : !issued.oidc.includes(String(body.subjectToken))
                    ? "The subject token is invalid"
                    : undefined;
      if (problem) return json(res, 400, { error: "invalid_grant", error_description: problem });
      const failure = stsFailures.shift();
      if (failure)
        return json(res, failure.status, { error: failure.error, error_description: failure.description });
      const token = `sts-${issued.sts.length + 1}-${randomBytes(8).toString("hex")}`;
      issued.sts.push(token);
      return json(res, 200, {
        access_token: token,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
      });
    }
    if (req.url === saPath) {
      const auth = String(req.headers.authorization ?? "");
      if (!issued.sts.includes(auth.replace(/^Bearer /, ""))) {
        return json(res, 401, {
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            status: "UNAUTHENTICATED",
          },
        });
      }
      const body = JSON.parse(req.body.toString("utf8")) as { scope?: unknown };
      if (!Array.isArray(body.scope) || !body.scope.includes(CLOUD_PLATFORM)) {
        return json(res, 400, {
          error: { code: 400, message: "Scope required.", status: "INVALID_ARGUMENT" },
        });
      }
      const token = `ya29.sa-${issued.serviceAccount.length + 1}-${randomBytes(8).toString("hex")}`;
      issued.serviceAccount.push(token);
      return json(res, 200, {
        accessToken: token,
        expireTime: new Date(Date.now() + 3600_000).toISOString(),
      });
    }
    return json(res, 404, { error: { code: 404, message: `${req.url} not found`, status: "NOT_FOUND" } });
  });
  base = upstream.url;
  return {
    issuer: base,
    stsUrl: `${base}/v1/token`,
    iamCredentialsUrl: base,
    requests: upstream.requests,
    issued,
    failNextSts(status, error, description) {
      stsFailures.push({ status, error, description });
    },
    isValid: (token) => issued.sts.includes(token) || issued.serviceAccount.includes(token),
    close: () => upstream.close(),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(value));
}
