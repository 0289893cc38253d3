import type { ConverseImageFormat } from "./converse-types.js";

/** The Converse image format for a media type; undefined for types Bedrock cannot take. */
export function converseImageFormat(mediaType: string): ConverseImageFormat | undefined {
  switch (mediaType.toLowerCase()) {
    case "image/png":
      return "png";
    case "image/jpeg":
    case "image/jpg":
      return "jpeg";
    case "image/gif":
      return "gif";
    case "image/webp":
      return "webp";
    default:
      return undefined;
  }
}
