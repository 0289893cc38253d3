import {
  responsesRequestProblem,
  sendInputTokensAnswer,
  sendOpenAIError,
  sendResponsesAnswer,
} from "./fake-responses-api.js";
import {
  type FakeUpstream,
  type ReceivedRequest,
  startRecordingUpstream,
  withCalls,
} from "./recording-upstream.js";

/** A request the fake accepted. */
export interface FakeResponsesCall {
  operation: "responses" | "input_tokens";
  body: Record<string, unknown>;
  request: ReceivedRequest;
}

/**
 * A fake OpenAI serving the Responses API at exactly `/v1/responses` and `/v1/responses/input_tokens`
 * (404 elsewhere, as OpenAI answers an unknown path), only to `Authorization: Bearer <apiKey>` (401
 * `invalid_api_key` otherwise), with the checks and answers of fake-responses-api.ts. The model
 * `refuse-me` gets OpenAI's 400 for an unknown model.
 */
export async function startFakeOpenAIResponses(apiKey: string): Promise<FakeUpstream<FakeResponsesCall>> {
  const calls: FakeResponsesCall[] = [];
  const upstream = await startRecordingUpstream(async (req, res) => {
    const operation =
      req.url === "/v1/responses"
        ? "responses"
        : req.url === "/v1/responses/input_tokens"
          ? "input_tokens"
          : undefined;
    if (req.method !== "POST" || operation === undefined)
      return sendOpenAIError(res, 404, `Invalid URL (${req.method} ${req.url})`);
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return sendOpenAIError(res, 401, "Incorrect API key provided.", { code: "invalid_api_key" });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return sendOpenAIError(res, 400, "We could not parse the JSON body of your request.");
    }
    const problem = responsesRequestProblem(body, operation === "responses");
    if (problem !== undefined) return sendOpenAIError(res, 400, problem);
    if (body.model === "refuse-me") {
      return sendOpenAIError(res, 400, "The requested model 'refuse-me' does not exist.", {
        param: "model",
        code: "model_not_found",
      });
    }
    calls.push({ operation, body, request: req });
    if (operation === "input_tokens") return sendInputTokensAnswer(res, body);
    await sendResponsesAnswer(res, body);
  });
  return withCalls(upstream, calls);
}
