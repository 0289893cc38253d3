import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";
import type { GeminiPart } from "./gemini-types.js";
import { guessMimeType } from "./guess-mime-type.js";

type Json = Record<string, unknown>;

/** Schemes Vertex AI fetches a file from itself (Cloud Storage and public web addresses). */
const FETCHED = /^(https?|gs):\/\//i;

/**
 * An OpenAI `image_url` part as a Gemini part: a data URI becomes `inlineData` (the bytes, base64),
 * an http(s) or gs:// URL becomes `fileData` with the MIME type its extension says. `detail` has no
 * Gemini counterpart per part and is not sent.
 */
export function convertOpenAIImageToGemini(imageUrl: unknown): GeminiPart {
  const url = typeof imageUrl === "string" ? imageUrl : (imageUrl as Json | null)?.url;
  if (typeof url !== "string" || url === "") throw new InvalidRequestError("image_url part without a url");
  return mediaPart(url, "image_url");
}

/** An OpenAI `file` part: `file_data` (a data URI) inline, or a `file_id` that is a gs:// or http(s) URL. */
export function convertOpenAIFileToGemini(file: unknown): GeminiPart {
  const f = (typeof file === "object" && file !== null ? file : {}) as Json;
  if (typeof f.file_data === "string" && f.file_data !== "") {
    if (f.file_data.startsWith("data:")) return mediaPart(f.file_data, "file.file_data");
    throw new InvalidRequestError("file.file_data must be a data URI (data:application/pdf;base64,...)");
  }
  if (typeof f.file_id === "string" && FETCHED.test(f.file_id)) return mediaPart(f.file_id, "file.file_id");
  throw new InvalidRequestError(
    "file parts need file_data as a data URI, or a file_id that is a gs:// or https:// URL, for GCP Vertex AI",
  );
}

/** An OpenAI `input_audio` part (base64 data and its format) as inline audio. */
export function convertOpenAIAudioToGemini(audio: unknown): GeminiPart {
  const a = (typeof audio === "object" && audio !== null ? audio : {}) as Json;
  if (typeof a.data !== "string" || a.data === "")
    throw new InvalidRequestError("input_audio part without data");
  if (typeof a.format !== "string" || a.format === "")
    throw new InvalidRequestError("input_audio part without a format");
  return { inlineData: { mimeType: `audio/${a.format}`, data: a.data } };
}

function mediaPart(url: string, field: string): GeminiPart {
  if (url.startsWith("data:")) return { inlineData: readDataUri(url, field) };
  if (FETCHED.test(url)) {
    const mimeType = guessMimeType(url);
    if (mimeType === undefined) {
      throw new InvalidRequestError(
        `${field}: cannot tell the media type of ${displayValue(url)} from its extension; GCP Vertex AI needs one (send the file inline as a data URI instead)`,
      );
    }
    return { fileData: { mimeType, fileUri: url } };
  }
  throw new InvalidRequestError(`${field}: expected a data URI or an http(s) or gs:// URL`);
}

/** `data:<type>[;base64],<data>` as Gemini's inline bytes (always base64). */
function readDataUri(uri: string, field: string): { mimeType: string; data: string } {
  const comma = uri.indexOf(",");
  if (comma === -1) throw new InvalidRequestError(`${field}: malformed data URI (no comma)`);
  const header = uri.slice(5, comma);
  const base64 = header.endsWith(";base64");
  const mimeType = (base64 ? header.slice(0, -7) : header).split(";")[0] ?? "";
  if (mimeType === "") throw new InvalidRequestError(`${field}: the data URI names no media type`);
  const payload = uri.slice(comma + 1);
  if (base64) return { mimeType, data: payload };
  let decoded: string;
  try {
    decoded = decodeURIComponent(payload);
  } catch {
    throw new InvalidRequestError(`${field}: the data URI has malformed percent-encoding`);
  }
  return { mimeType, data: Buffer.from(decoded, "utf8").toString("base64") };
}
