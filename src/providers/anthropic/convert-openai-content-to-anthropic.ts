import { displayValue } from "../display-value.js";
import { InvalidRequestError } from "../translator.js";

/**
 * OpenAI chat content parts -> Anthropic content blocks: text, images (`image_url` with a data URI
 * or an http(s) URL) and PDFs (`image_url` / `file` with PDF data, or a URL ending in .pdf).
 * A `cache_control` a client put on a part (the vendor extension Envoy AI Gateway accepts) is kept.
 */

export type AnthropicBlockParam = Record<string, unknown> & { type: string };

const IMAGE_MEDIA_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** A user (or tool) message's `content`: a string or an array of parts. */
export function convertOpenAIContentToAnthropic(content: unknown): AnthropicBlockParam[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw new InvalidRequestError("message content must be a string or an array");
  const blocks: AnthropicBlockParam[] = [];
  for (const part of content) blocks.push(convertPart(part));
  return blocks;
}

function convertPart(part: unknown): AnthropicBlockParam {
  if (typeof part !== "object" || part === null) throw new InvalidRequestError("invalid content part");
  const p = part as Record<string, unknown>;
  let block: AnthropicBlockParam;
  switch (p.type) {
    case "text":
      block = { type: "text", text: displayValue(p.text ?? "") };
      break;
    case "image_url": {
      const imageUrl = p.image_url as { url?: unknown } | string | undefined;
      const url = typeof imageUrl === "string" ? imageUrl : imageUrl?.url;
      if (typeof url !== "string" || url === "") throw new InvalidRequestError("image_url.url is required");
      block = convertUrlToBlock(url);
      break;
    }
    case "file":
      block = convertFile(p.file);
      break;
    case "input_audio":
      throw new InvalidRequestError("input_audio content is not supported by Anthropic");
    default:
      throw new InvalidRequestError(`unsupported content part type: ${displayValue(p.type)}`);
  }
  if (p.cache_control !== undefined) block.cache_control = p.cache_control;
  return block;
}

/** An image_url value: a data URI (image or PDF) or a remote URL (a PDF when it ends in .pdf). */
function convertUrlToBlock(url: string): AnthropicBlockParam {
  if (url.startsWith("data:")) {
    const data = parseDataUri(url);
    if (data.mediaType === "application/pdf") {
      return {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: data.base64 },
      };
    }
    if (!IMAGE_MEDIA_TYPES.has(data.mediaType)) {
      throw new InvalidRequestError(`unsupported image media type: ${data.mediaType}`);
    }
    return { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.base64 } };
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new InvalidRequestError("image_url must be a data URI or an http(s) URL");
  }
  if (parsed.pathname.toLowerCase().endsWith(".pdf")) {
    return { type: "document", source: { type: "url", url } };
  }
  return { type: "image", source: { type: "url", url } };
}

/** A `file` part: inline `file_data` (a data URI) is a document; OpenAI file ids mean nothing to Anthropic. */
function convertFile(file: unknown): AnthropicBlockParam {
  const f = (typeof file === "object" && file !== null ? file : {}) as Record<string, unknown>;
  if (typeof f.file_data !== "string") {
    throw new InvalidRequestError("file parts need inline file_data; file_id is not supported by Anthropic");
  }
  const data = parseDataUri(f.file_data);
  let block: AnthropicBlockParam;
  if (data.mediaType === "application/pdf") {
    block = {
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: data.base64 },
    };
  } else if (data.mediaType === "text/plain") {
    const text = Buffer.from(data.base64, "base64").toString("utf8");
    block = { type: "document", source: { type: "text", media_type: "text/plain", data: text } };
  } else if (IMAGE_MEDIA_TYPES.has(data.mediaType)) {
    return { type: "image", source: { type: "base64", media_type: data.mediaType, data: data.base64 } };
  } else {
    throw new InvalidRequestError(`unsupported file media type: ${data.mediaType}`);
  }
  if (typeof f.filename === "string" && f.filename !== "") block.title = f.filename;
  return block;
}

/** `data:<media type>[;param...][;base64],<data>` -> media type and base64 data (not decoded). */
function parseDataUri(uri: string): { mediaType: string; base64: string } {
  const comma = uri.indexOf(",");
  if (comma === -1) throw new InvalidRequestError("invalid data URI");
  const meta = uri.slice(5, comma).split(";");
  const mediaType = (meta[0] ?? "").trim().toLowerCase();
  const payload = uri.slice(comma + 1);
  if (meta.includes("base64")) return { mediaType, base64: payload };
  // A URL-encoded data URI is rare but legal; Anthropic only takes base64.
  let decoded: string;
  try {
    decoded = decodeURIComponent(payload);
  } catch {
    throw new InvalidRequestError("invalid data URI: malformed percent-encoding");
  }
  return { mediaType, base64: Buffer.from(decoded, "utf8").toString("base64") };
}
