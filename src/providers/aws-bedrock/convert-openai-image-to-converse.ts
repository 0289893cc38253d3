import { InvalidRequestError } from "../translator.js";
import { converseImageFormat } from "./converse-image-format.js";
import type { ConverseImage } from "./converse-types.js";

/**
 * An OpenAI `image_url` part as a Converse image block. Bedrock only takes image bytes, so the image
 * must be a base64 data URI (`data:image/png;base64,...`); the base64 text is passed on as is, since
 * Converse JSON carries bytes as base64 too.
 */
export function convertOpenAIImageToConverse(imageUrl: unknown): ConverseImage {
  const url = typeof imageUrl === "string" ? imageUrl : (imageUrl as { url?: unknown } | null)?.url;
  if (typeof url !== "string") throw new InvalidRequestError("image_url part without a url");
  if (!url.startsWith("data:")) {
    if (url.startsWith("http://") || url.startsWith("https://")) {
      throw new InvalidRequestError(
        "image_url: remote image URLs are not supported by AWS Bedrock; send the image inline as a data URI (data:image/png;base64,...)",
      );
    }
    throw new InvalidRequestError("image_url: expected a data URI (data:image/png;base64,...)");
  }
  const comma = url.indexOf(",");
  const header = comma === -1 ? "" : url.slice(5, comma);
  if (!header.endsWith(";base64"))
    throw new InvalidRequestError("image_url: the data URI must be base64-encoded");
  const semicolon = header.indexOf(";");
  const mediaType = header.slice(0, semicolon);
  const format = converseImageFormat(mediaType);
  if (format === undefined) {
    throw new InvalidRequestError(
      `image_url: unsupported image type "${mediaType}"; AWS Bedrock takes image/png, image/jpeg, image/gif and image/webp`,
    );
  }
  return { format, source: { bytes: url.slice(comma + 1) } };
}
