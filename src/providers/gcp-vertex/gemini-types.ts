/**
 * The parts of Vertex AI's Gemini wire format (v1 `generateContent` / `streamGenerateContent`) the
 * translators write and read. Field names are Vertex's JSON (camelCase); everything read from an
 * answer is optional, since a broken upstream may send anything.
 */

export interface GeminiPart {
  text?: string;
  /** The part is the model's reasoning (a thought summary), not its answer. */
  thought?: boolean;
  /** Opaque signature of the reasoning behind this part; must be sent back with it next turn. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { name: string; args?: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role?: "user" | "model";
  parts: GeminiPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: Record<string, unknown>[];
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown>;
  safetySettings?: unknown;
  labels?: unknown;
  cachedContent?: string;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: unknown;
  candidatesTokenCount?: unknown;
  totalTokenCount?: unknown;
  cachedContentTokenCount?: unknown;
  thoughtsTokenCount?: unknown;
  toolUsePromptTokenCount?: unknown;
}

export interface GeminiCandidate {
  index?: unknown;
  content?: { role?: unknown; parts?: unknown } | null;
  finishReason?: unknown;
}

export interface GeminiResponse {
  candidates?: unknown;
  usageMetadata?: GeminiUsageMetadata | null;
  modelVersion?: unknown;
  responseId?: unknown;
  createTime?: unknown;
  promptFeedback?: { blockReason?: unknown } | null;
}
