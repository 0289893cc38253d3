import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inferenceDocsExample } from "../support/inference-docs-example.js";
import { cleanEnv, runAigw } from "../support/spawn-aigw.js";

test("aigw validate: the inference pool example of docs/inference.md is valid", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aigw-inference-"));
  try {
    const file = join(dir, "inference-pool.yaml");
    await writeFile(file, inferenceDocsExample());
    const run = await runAigw(["validate", file], cleanEnv({ OPENAI_API_KEY: "sk-test" }));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^valid: /m);
    assert.doesNotMatch(run.stderr, /warning/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("aigw validate: a pool whose picker Service is not in the files is a warning, not an error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aigw-inference-"));
  try {
    const file = join(dir, "pool.yaml");
    const withPicker = inferenceDocsExample().replace(
      "  targetPorts: [{number: 8000}]",
      "  targetPorts: [{number: 8000}]\n  endpointPickerRef: {name: llama-epp, port: {number: 9002}}",
    );
    await writeFile(file, withPicker);
    const run = await runAigw(["validate", file], cleanEnv({ OPENAI_API_KEY: "sk-test" }));
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /warning: .*InferencePool default\/llama: spec\.endpointPickerRef\.name: Not found: "llama-epp": Service default\/llama-epp is not in the configuration; aigw's built-in endpoint picker serves the pool/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
