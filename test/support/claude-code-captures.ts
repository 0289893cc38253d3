import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One request Claude Code sent, as test/fixtures/claude-code/ keeps it (see its README). */
export interface ClaudeCodeCapture {
  method: "POST";
  /** Path and query as sent, e.g. /v1/messages?beta=true. */
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export const CLAUDE_CODE_CAPTURES = [
  "say-hi",
  "tool-use-1",
  "tool-use-2",
  "continue",
  "haiku-say-hi",
] as const;
export type ClaudeCodeCaptureName = (typeof CLAUDE_CODE_CAPTURES)[number];

const dir = fileURLToPath(new URL("../../../test/fixtures/claude-code/", import.meta.url));

/** A fresh copy each call: tests may change what they replay. */
export function claudeCodeCapture(name: ClaudeCodeCaptureName): ClaudeCodeCapture {
  return JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as ClaudeCodeCapture;
}
