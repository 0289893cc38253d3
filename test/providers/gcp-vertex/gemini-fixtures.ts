/**
 * Gemini answers in the shapes Vertex AI documents for generateContent and
 * streamGenerateContent?alt=sse (camelCase JSON, events ended by "\r\n\r\n", cumulative usage), for
 * the translator tests and the fake Vertex server.
 */

export const GEMINI_MODEL_VERSION = "gemini-2.5-flash-001";
export const RESPONSE_ID = "p4ZnacGzA5OZ2fMP6uaY-A4";
export const CREATE_TIME = "2026-11-24T10:00:01.123456Z";
export const CREATED = Math.floor(Date.parse(CREATE_TIME) / 1000);

/** A whole answer: thought summary, text and two parallel function calls (the second signed). */
export const toolCallAnswer = {
  candidates: [
    {
      content: {
        role: "model",
        parts: [
          { text: "The user wants weather in two cities.", thought: true },
          { text: "Checking both." },
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_weather", args: { city: "Lyon" } }, thoughtSignature: "c2lnLTE=" },
        ],
      },
      finishReason: "STOP",
      avgLogprobs: -0.12,
    },
  ],
  usageMetadata: {
    promptTokenCount: 41,
    candidatesTokenCount: 17,
    totalTokenCount: 88,
    cachedContentTokenCount: 8,
    thoughtsTokenCount: 30,
    trafficType: "ON_DEMAND",
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 41 }],
  },
  modelVersion: GEMINI_MODEL_VERSION,
  createTime: CREATE_TIME,
  responseId: RESPONSE_ID,
};

/** A streamed answer: thinking, text in pieces, a function call, then STOP (with usage) in a last event. */
export const streamEvents: Record<string, unknown>[] = [
  {
    candidates: [{ content: { role: "model", parts: [{ text: "Considering the city…", thought: true }] } }],
    usageMetadata: { trafficType: "ON_DEMAND" },
    modelVersion: GEMINI_MODEL_VERSION,
    createTime: CREATE_TIME,
    responseId: RESPONSE_ID,
  },
  {
    candidates: [{ content: { role: "model", parts: [{ text: "Looking up " }] } }],
    usageMetadata: { trafficType: "ON_DEMAND" },
    modelVersion: GEMINI_MODEL_VERSION,
    createTime: CREATE_TIME,
    responseId: RESPONSE_ID,
  },
  {
    candidates: [
      {
        content: {
          role: "model",
          parts: [
            { text: "Paris — ünïcode." },
            { functionCall: { name: "get_weather", args: { city: "Paris", unit: "celsius" } } },
          ],
        },
      },
    ],
    usageMetadata: { trafficType: "ON_DEMAND" },
    modelVersion: GEMINI_MODEL_VERSION,
    createTime: CREATE_TIME,
    responseId: RESPONSE_ID,
  },
  {
    candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP" }],
    usageMetadata: {
      promptTokenCount: 12,
      candidatesTokenCount: 9,
      totalTokenCount: 40,
      thoughtsTokenCount: 19,
      trafficType: "ON_DEMAND",
    },
    modelVersion: GEMINI_MODEL_VERSION,
    createTime: CREATE_TIME,
    responseId: RESPONSE_ID,
  },
];

/** SSE as Vertex writes it: `data: <json>` events ended by "\r\n\r\n". */
export function vertexSse(events: readonly unknown[], separator = "\r\n\r\n"): string {
  return events.map((event) => `data: ${JSON.stringify(event)}${separator}`).join("");
}

/** Vertex's error envelope. */
export function vertexError(code: number, status: string, message: string, details?: unknown[]): string {
  return JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });
}
