import { VERTEX_BETAS } from "../../gcp-anthropic/vertex-anthropic-betas.js";
import type { PlatformRules } from "./platform-rules.js";

/**
 * Claude on Vertex AI (rawPredict / streamRawPredict). The body is Anthropic's, with the flags in
 * the `anthropic-beta` header; Vertex answers 400 for a flag it does not offer (its list is kept
 * with the Vertex translators). Context editing is offered under its flag, `metadata` is part of
 * the Messages body it takes; `service_tier`, `container`, `inference_geo` and `speed` are the
 * Anthropic API's own.
 */
export const VERTEX_RULES: PlatformRules = {
  name: "Vertex AI",
  contextManagement: "keep-with-beta",
  firstPartyOnly: ["service_tier", "container", "inference_geo", "speed"],
  betas: VERTEX_BETAS,
  betaAliases: {},
};
