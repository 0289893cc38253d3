import { request } from "undici";
import { CredentialFetchError } from "../credential-fetch-error.js";

const TIMEOUT_MS = 10_000;
/** An error description is the endpoint's text: shown to clients, so kept short and printable. */
const MAX_DESCRIPTION = 200;

/** What an identity endpoint answered: its status and its body as a JSON object, if it was one. */
export interface TokenEndpointAnswer {
  status: number;
  json: Record<string, unknown> | undefined;
}

/**
 * One request to an identity endpoint (token, discovery, STS, IAM credentials). `what` names it in
 * errors ("the GCP token endpoint"); a network failure or timeout is a CredentialFetchError naming
 * the endpoint without its query. The caller judges the answer.
 */
export async function postForToken(
  what: string,
  url: string,
  init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string },
): Promise<TokenEndpointAnswer> {
  try {
    const res = await request(url, {
      method: init.method ?? "POST",
      headers: { accept: "application/json", ...init.headers },
      body: init.body,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: parseObject(text) };
  } catch (err) {
    throw new CredentialFetchError(
      `could not reach ${what} ${describeEndpoint(url)}: ${(err as Error).message || (err as Error).name}`,
    );
  }
}

/** "<what> <endpoint> answered <status>: <error> (<description>)" for a refused request. */
export function refusal(what: string, url: string, answer: TokenEndpointAnswer): CredentialFetchError {
  return new CredentialFetchError(
    `${what} ${describeEndpoint(url)} answered ${answer.status}${errorDetail(answer.json)}`,
  );
}

/** `url` without its query or fragment (which may carry secrets). */
export function describeEndpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ": invalid_grant (Invalid JWT Signature.)" from an OAuth error answer, or ": PERMISSION_DENIED
 * (...)" from a Google API error; "" without either.
 */
function errorDetail(answer: Record<string, unknown> | undefined): string {
  const google = answer?.error;
  if (typeof google === "object" && google !== null) {
    const { status, message } = google as { status?: unknown; message?: unknown };
    return detail(printable(status), printable(message));
  }
  return detail(printable(answer?.error), printable(answer?.error_description));
}

function detail(code: string | undefined, description: string | undefined): string {
  if (!code) return "";
  return description ? `: ${code} (${description})` : `: ${code}`;
}

function printable(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}...` : text || undefined;
}
