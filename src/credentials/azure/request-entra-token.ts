import { EntraTokenError } from "./entra-token-error.js";

/** The scope of Azure OpenAI (Cognitive Services) tokens. */
export const COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default";

const TIMEOUT_MS = 10_000;

/** The client-credentials grant of one app registration. */
export interface EntraClientCredentials {
  authorityHost: string;
  tenantID: string;
  clientID: string;
  clientSecret: string;
}

export interface EntraToken {
  accessToken: string;
  /** Seconds the token lives from when it was issued (`expires_in`). */
  expiresIn: number;
  /** Seconds after which Entra suggests getting a new one (`refresh_in`), when it says. */
  refreshIn: number | undefined;
}

/** What sends the token request: fetch in the gateway, a stand-in in unit tests. */
export type PostForm = (url: string, form: string) => Promise<{ status: number; text: string }>;

/**
 * One OAuth2 client-credentials request to Microsoft Entra:
 * POST `<authority>/<tenant>/oauth2/v2.0/token`, form-encoded grant_type, client_id, client_secret and
 * scope. Nothing else is asked first (no instance discovery or OpenID metadata, which the Azure SDKs
 * fetch from the public cloud): the token endpoint's path is Entra's documented one. Failures become
 * EntraTokenError with Entra's error code and the first line of its description (its trace and
 * correlation ids follow on later lines); the secret is cut out of anything reported.
 */
export async function requestEntraToken(
  credentials: EntraClientCredentials,
  post: PostForm = postWithFetch,
): Promise<EntraToken> {
  const { authorityHost, tenantID, clientID, clientSecret } = credentials;
  const fail = (reason: string): never => {
    throw new EntraTokenError(
      tenantID,
      clientID,
      clientSecret ? reason.replaceAll(clientSecret, "***") : reason,
    );
  };
  const url = `${authorityHost}/${encodeURIComponent(tenantID)}/oauth2/v2.0/token`;
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientID,
    client_secret: clientSecret,
    scope: COGNITIVE_SERVICES_SCOPE,
  }).toString();
  let answer: { status: number; text: string };
  try {
    answer = await post(url, form);
  } catch (err) {
    return fail(`the token request to ${authorityHost} failed: ${networkReason(err)}`);
  }
  const body = parseObject(answer.text);
  if (answer.status !== 200) {
    const code = typeof body?.error === "string" ? body.error : undefined;
    const description =
      typeof body?.error_description === "string" ? body.error_description.split(/\r?\n/)[0] : undefined;
    const detail = [code, description].filter(Boolean).join(": ");
    return fail(`Entra answered ${answer.status}${detail ? ` ${detail}` : ""}`);
  }
  const accessToken = body?.access_token;
  const expiresIn = seconds(body?.expires_in);
  if (typeof accessToken !== "string" || accessToken === "" || expiresIn === undefined)
    return fail("Entra's answer has no access_token and expires_in");
  return { accessToken, expiresIn, refreshIn: seconds(body?.refresh_in) };
}

async function postWithFetch(url: string, form: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: form,
    redirect: "error",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return { status: res.status, text: await res.text() };
}

/** fetch's "fetch failed" says nothing; its cause says what (a TLS verification error, a refused connection). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string")
    return typeof cause.message === "string" ? `${cause.code} (${cause.message})` : cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Entra's v2 endpoint sends numbers; v1 and some proxies send numeric strings. */
function seconds(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}
