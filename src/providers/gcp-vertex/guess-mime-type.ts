/**
 * The MIME type of a file Vertex AI fetches itself (`fileData`), guessed from the extension of its
 * URL's path: Gemini requires one with every file reference and does not sniff it. Undefined for an
 * extension not listed here; the caller then refuses the part rather than guess wrongly.
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  txt: "text/plain",
  mp3: "audio/mp3",
  wav: "audio/wav",
  flac: "audio/flac",
  ogg: "audio/ogg",
  m4a: "audio/m4a",
  mp4: "video/mp4",
  mov: "video/mov",
  mpeg: "video/mpeg",
  webm: "video/webm",
};

export function guessMimeType(url: string): string | undefined {
  // The path alone: a query string or fragment may hold dots of its own.
  let path = url;
  const cut = path.search(/[?#]/);
  if (cut !== -1) path = path.slice(0, cut);
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot === -1 || dot < slash) return undefined;
  return BY_EXTENSION[path.slice(dot + 1).toLowerCase()];
}
