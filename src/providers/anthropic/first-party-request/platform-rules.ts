/**
 * What one Claude platform accepts of Anthropic's first-party request shape, as its documentation
 * says (see docs/providers.md, "Claude Code"). The adaptation reads these instead of naming platforms.
 */
export interface PlatformRules {
  /** For log lines: "Bedrock InvokeModel", "Bedrock Converse", "Vertex AI". */
  name: string;
  /** `context_management` (context editing): kept under its beta flag, or dropped. */
  contextManagement: "keep-with-beta" | "drop";
  /** Top-level fields only the Anthropic API takes: dropped. */
  firstPartyOnly: readonly string[];
  /** The beta flags the platform accepts, and Anthropic names it spells its own way. */
  betas: ReadonlySet<string>;
  betaAliases: Readonly<Record<string, string>>;
}

/** The flag `context_management` needs beside it. */
export const CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27";
