import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DOC = fileURLToPath(new URL("../../../docs/inference.md", import.meta.url));
const MARKER = "<!-- example:inference-pool.yaml";

/** The example configuration of docs/inference.md: the YAML block after its marker comment. */
export function inferenceDocsExample(): string {
  const text = readFileSync(DOC, "utf8");
  const start = text.indexOf("```yaml\n", text.indexOf(MARKER));
  const end = text.indexOf("\n```", start + 8);
  if (text.indexOf(MARKER) < 0 || start < 0 || end < 0)
    throw new Error(`${DOC}: the example block is missing`);
  return text.slice(start + 8, end + 1);
}
