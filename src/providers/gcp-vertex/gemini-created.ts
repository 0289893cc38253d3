import { createdFromDateHeader } from "../created-from-date-header.js";

/** Unix seconds for `created`: Gemini's `createTime` when it is a readable time, else the Date header. */
export function geminiCreated(
  createTime: unknown,
  headers: Record<string, string | string[] | undefined>,
): number {
  if (typeof createTime === "string") {
    const millis = Date.parse(createTime);
    if (!Number.isNaN(millis)) return Math.floor(millis / 1000);
  }
  return createdFromDateHeader(headers);
}
