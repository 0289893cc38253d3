// The console's calls to /console/api/. Authentication is the HttpOnly session cookie the login
// answer sets: the page never holds the token after the login call, so nothing here stores it.

const apiBase = `${import.meta.env.BASE_URL}api/`;

/** An answer in the admin listener's error envelope, or a failure to reach it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** A 401: the session is gone (expired, signed out elsewhere, the admin token changed). */
export class UnauthorizedError extends ApiError {}

let signedOut: () => void = () => {};

/** Called on any 401 from a JSON call, so the console can return to the login form. */
export function onSignedOut(listener: () => void): void {
  signedOut = listener;
}

/** The URL of an endpoint with its parameters (also the CSV export's link). */
export function endpointUrl(endpoint: string, parameters?: URLSearchParams): string {
  const query = parameters?.toString() ?? "";
  return `${apiBase}${endpoint}${query === "" ? "" : `?${query}`}`;
}

async function failure(response: Response): Promise<ApiError> {
  let type = "http_error";
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { type?: string; message?: string } };
    type = body.error?.type ?? type;
    message = body.error?.message ?? message;
  } catch {
    // Not the envelope (a proxy's page, say): the status line says enough.
  }
  return response.status === 401
    ? new UnauthorizedError(401, type, message)
    : new ApiError(response.status, type, message);
}

/** GETs an endpoint's JSON; a 401 signs the console out before it throws. */
export async function getJson<T>(
  endpoint: string,
  parameters?: URLSearchParams,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(endpointUrl(endpoint, parameters), {
    credentials: "same-origin",
    headers: { accept: "application/json" },
    signal: signal ?? null,
  });
  if (!response.ok) {
    const error = await failure(response);
    if (error instanceof UnauthorizedError) signedOut();
    throw error;
  }
  return (await response.json()) as T;
}

/** Whether the browser holds a valid session (the login form shows when not). */
export async function hasSession(): Promise<boolean> {
  // 200 either way (a 401 would be logged in the browser's console at every load of the form).
  const response = await fetch(endpointUrl("session"), { credentials: "same-origin" });
  if (!response.ok) throw await failure(response);
  return ((await response.json()) as { authenticated: boolean }).authenticated === true;
}

/** Exchanges the admin token for the session cookie: false when the token is not the admin token. */
export async function logIn(token: string, remember: boolean): Promise<boolean> {
  const response = await fetch(endpointUrl("login"), {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, remember }),
  });
  if (response.status === 401) return false;
  if (!response.ok) throw await failure(response);
  return true;
}

export async function logOut(): Promise<void> {
  const response = await fetch(endpointUrl("logout"), { method: "POST", credentials: "same-origin" });
  if (!response.ok) throw await failure(response);
}

/** Errors a page need not show: a 401 (the login form replaces the page) and its own aborted calls. */
export function isSilent(error: unknown): boolean {
  return error instanceof UnauthorizedError || (error instanceof DOMException && error.name === "AbortError");
}
