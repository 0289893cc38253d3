/**
 * The subset of the AWS Bedrock Converse / ConverseStream JSON wire format the translators read and
 * write (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
 * Blob members (image bytes, redacted reasoning) travel as base64 strings in JSON.
 */

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: ConverseSystemBlock[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: ConverseToolConfig;
  additionalModelRequestFields?: Record<string, unknown>;
  serviceTier?: { type: string };
}

export interface ConverseInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export type ConverseRole = "user" | "assistant";

export interface ConverseMessage {
  role: ConverseRole;
  content: ConverseContentBlock[];
}

export interface CachePointBlock {
  cachePoint: { type: "default" };
}

export type ConverseSystemBlock = { text: string } | CachePointBlock;

export type ConverseImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface ConverseToolResultBlock {
  toolUseId: string;
  content: ({ text: string } | { json: unknown } | { image: ConverseImage })[];
  status?: "success" | "error";
}

export interface ConverseImage {
  format: ConverseImageFormat;
  /** base64 */
  source: { bytes: string };
}

export interface ConverseReasoningContent {
  reasoningText?: { text: string; signature?: string };
  /** base64 */
  redactedContent?: string;
}

/** A union: exactly one member is set. */
export interface ConverseContentBlock {
  text?: string;
  image?: ConverseImage;
  document?: { format: string; name: string; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: ConverseToolResultBlock;
  reasoningContent?: ConverseReasoningContent;
  cachePoint?: { type: "default" };
}

export interface ConverseToolConfig {
  tools: ConverseTool[];
  toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
}

export type ConverseTool =
  | { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }
  | CachePointBlock;

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role?: string; content?: ConverseContentBlock[] } };
  stopReason?: string;
  usage?: ConverseUsage;
  serviceTier?: { type?: string };
}

/** The payload of one ConverseStream event; which members are set depends on `:event-type`. */
export interface ConverseStreamPayload {
  role?: string;
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId: string; name: string } };
  delta?: {
    text?: string;
    toolUse?: { input?: string };
    reasoningContent?: { text?: string; signature?: string; redactedContent?: string };
  };
  stopReason?: string;
  usage?: ConverseUsage;
  serviceTier?: { type?: string };
}
