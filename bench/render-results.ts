import { readFileSync } from "node:fs";
import type { BenchResults } from "./bench-results.js";
import { renderReport } from "./render-report.js";

/**
 * Re-renders the markdown report from a results file written by `run-bench --out <name>`, e.g.
 * after the report's layout changed. Usage: node dist/bench/render-results.js <name>.json
 */
const results = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as BenchResults;
process.stdout.write(renderReport(results));
