import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PLAIN_TEXT, sendBody } from "../gateway/send-response.js";

export const CONSOLE_PATH = "/console/";
/** Where Vite writes the front end: dist/console/, beside this module's dist/src/console/. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));

/** The page loads nothing from outside the gateway and may not be framed (clickjacking). */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": PLAIN_TEXT,
};

/** Vite names these files by their content's hash: a name never changes content, so caches keep them. */
const HASHED_DIR = "assets/";
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The console's own files (HTML, script, style), open to everyone: what they show comes from the
 * API, which needs the token. `/` and `/console` redirect to `/console/`; any path there that is not
 * a file is the page itself (the front end routes with `#/...`). `dir` overrides the built front end's
 * directory (tests).
 */
export function consoleStatic(
  dir: string = DEFAULT_CONSOLE_DIR,
): (req: IncomingMessage, res: ServerResponse, path: string) => void {
  const root = resolve(dir);
  return (req, res, path) => {
    req.resume();
    if (path === "/" || path === "/console") {
      return page(res, 302, PLAIN_TEXT, `see ${CONSOLE_PATH}`, { location: CONSOLE_PATH });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return page(res, 405, PLAIN_TEXT, "the console's files answer GET only", { allow: "GET, HEAD" });
    }
    const relative = fileOf(path.slice(CONSOLE_PATH.length));
    if (relative === undefined) return page(res, 400, PLAIN_TEXT, `bad console path: ${path}`);
    void serve(root, relative).then(
      (file) => {
        if (file === "missing") {
          return page(res, 404, PLAIN_TEXT, `no such console file: ${path}`);
        }
        if (file === "not-built") {
          return page(
            res,
            503,
            PLAIN_TEXT,
            "the console's front end is not built (no dist/console/index.html): run `npm run build`\n",
          );
        }
        // Node leaves the body out of an answer to HEAD, keeping its length.
        page(res, 200, file.contentType, file.body, { "cache-control": file.cacheControl });
      },
      // Not the error's text: it names the install's paths, and anyone may ask for these files.
      () => page(res, 500, PLAIN_TEXT, "cannot read the console's files\n"),
    );
  };
}

/**
 * The file a path under /console/ names, relative to the front end's directory; undefined for a path
 * that could leave it (`..`, `.`, backslashes, NUL), plain or percent-encoded, or is malformed.
 */
export function fileOf(rest: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (decoded.includes("\\") || decoded.includes("\0")) return undefined;
  const segments = decoded.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return undefined;
  return segments.filter((s) => s !== "").join("/");
}

type Served = { body: Buffer; contentType: string; cacheControl: string } | "missing" | "not-built";

async function serve(root: string, relative: string): Promise<Served> {
  if (relative !== "" && relative !== "index.html") {
    const full = join(root, relative);
    // fileOf has refused every way out; this states the invariant where the file is opened.
    if (!full.startsWith(root + sep)) return "missing";
    const body = await readIfFile(full);
    if (body !== undefined) {
      const contentType = CONTENT_TYPES[extname(relative).toLowerCase()] ?? "application/octet-stream";
      return { body, contentType, cacheControl: relative.startsWith(HASHED_DIR) ? IMMUTABLE : "no-cache" };
    }
  }
  const index = await readIfFile(join(root, "index.html"));
  if (index === undefined) return "not-built";
  // A hashed asset that is not there is an old page asking for it: HTML in its place would not run.
  if (relative.startsWith(HASHED_DIR)) return "missing";
  return { body: index, contentType: CONTENT_TYPES[".html"]!, cacheControl: "no-cache" };
}

async function readIfFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // What a name no file has can also give: too long, or a loop of links.
    if (["ENOENT", "EISDIR", "ENOTDIR", "ENAMETOOLONG", "ELOOP"].includes(code ?? "")) return undefined;
    throw err;
  }
}

function page(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): void {
  sendBody(res, status, contentType, body, { ...PAGE_HEADERS, ...headers });
}
