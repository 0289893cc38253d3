/**
 * Reads the text fields of a multipart/form-data body (RFC 7578) that is already in memory, without
 * copying its file parts: the gateway routes an audio upload by its `model` field and forwards the
 * client's bytes as they are. One scan finds each part's boundary and headers; a part without a
 * `filename` is a text field and its value is decoded, a file part is only stepped over. The span of
 * each field's value is kept so a value (the model, for modelNameOverride) can be replaced in place,
 * leaving every other byte of the body untouched.
 */

/** The body is not the multipart/form-data its content-type says. */
export class MultipartError extends Error {
  override readonly name = "MultipartError";
}

export interface MultipartFields {
  /** Text fields by name (the first occurrence of a repeated name). */
  readonly fields: Record<string, string>;
  /** Where each field's value lies in the body (the first occurrence of a repeated name). */
  readonly spans: Map<string, { start: number; end: number }>;
  /** How many file parts (with a filename) the body holds. */
  readonly files: number;
  /** Names of text fields given more than once (`timestamp_granularities[]` is, by design). */
  readonly repeated: ReadonlySet<string>;
}

/** Text fields longer than this are not what an audio API takes (prompts are ~224 tokens): refused. */
const MAX_FIELD_BYTES = 64 * 1024;
/** A part's headers are a few short lines; more than this is not a form. */
const MAX_HEADER_BYTES = 8 * 1024;

const CRLF_CRLF = Buffer.from("\r\n\r\n");

/**
 * The boundary of a `multipart/form-data; boundary=...` content-type; undefined when the type is
 * another or the parameter is missing. RFC 2046 allows 1 to 70 characters, optionally quoted.
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const [type, ...params] = contentType.split(";");
  if (type?.trim().toLowerCase() !== "multipart/form-data") return undefined;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value.length >= 1 && value.length <= 70 ? value : undefined;
  }
  return undefined;
}

/** Scans `body` (delimited by `boundary`); throws MultipartError when it is not a complete form. */
export function readMultipartFields(body: Buffer, boundary: string): MultipartFields {
  const fields: Record<string, string> = Object.create(null);
  const spans = new Map<string, { start: number; end: number }>();
  const repeated = new Set<string>();
  let files = 0;
  const dash = Buffer.from(`--${boundary}`);
  // Each later delimiter is CRLF + "--" + boundary; the first may open the body (a preamble is allowed).
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let at = body.subarray(0, dash.length).equals(dash) ? 0 : body.indexOf(delimiter);
  if (at === -1) throw new MultipartError("no multipart boundary found in the body");
  at += at === 0 ? dash.length : delimiter.length;
  for (;;) {
    // After a delimiter: "--" ends the form, else transport padding and CRLF open a part.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return { fields, spans, files, repeated };
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd === -1) throw new MultipartError("the multipart body ends inside a boundary line");
    if (body.subarray(at, lineEnd).toString("latin1").trim() !== "")
      throw new MultipartError("unexpected bytes after a multipart boundary");
    const headersStart = lineEnd + 2;
    const headersEnd = body.indexOf(CRLF_CRLF, headersStart);
    // A part without headers starts with the blank line at once.
    const emptyHeaders = body[headersStart] === 0x0d && body[headersStart + 1] === 0x0a;
    const valueStart = emptyHeaders ? headersStart + 2 : headersEnd + 4;
    if (!emptyHeaders && (headersEnd === -1 || headersEnd - headersStart > MAX_HEADER_BYTES))
      throw new MultipartError("a multipart part's headers do not end");
    const valueEnd = body.indexOf(delimiter, valueStart);
    if (valueEnd === -1) throw new MultipartError("the multipart body ends before its closing boundary");
    const disposition = emptyHeaders
      ? undefined
      : dispositionOf(body.toString("utf8", headersStart, headersEnd));
    if (disposition === undefined) throw new MultipartError("a multipart part has no form-data name");
    if (disposition.filename) files += 1;
    else if (spans.has(disposition.name)) repeated.add(disposition.name);
    else {
      if (valueEnd - valueStart > MAX_FIELD_BYTES)
        throw new MultipartError(
          `the form field '${disposition.name}' is longer than ${MAX_FIELD_BYTES} bytes`,
        );
      fields[disposition.name] = body.toString("utf8", valueStart, valueEnd);
      spans.set(disposition.name, { start: valueStart, end: valueEnd });
    }
    at = valueEnd + delimiter.length;
  }
}

/** `body` with the value of field `name` (found by readMultipartFields) replaced by `value`. */
export function replaceMultipartField(
  body: Buffer,
  span: { start: number; end: number },
  value: string,
): Buffer {
  return Buffer.concat([body.subarray(0, span.start), Buffer.from(value, "utf8"), body.subarray(span.end)]);
}

/** The name and whether a filename is given, from a part's headers; undefined without form-data name. */
function dispositionOf(headers: string): { name: string; filename: boolean } | undefined {
  for (const line of headers.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== "content-disposition") continue;
    const value = line.slice(colon + 1);
    if (!/^\s*form-data\s*(;|$)/i.test(value)) return undefined;
    const name = parameter(value, "name");
    if (name === undefined) return undefined;
    return { name, filename: parameter(value, "filename") !== undefined || /;\s*filename\*=/i.test(value) };
  }
  return undefined;
}

/** A `; key="value"` or `; key=token` parameter (case-insensitive key, backslash escapes in quotes). */
function parameter(header: string, key: string): string | undefined {
  const pattern = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, "i");
  const match = pattern.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}
