import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const simCommand = fileURLToPath(new URL("../../src/cli/sim-command.js", import.meta.url));

describe("aigw sim command", () => {
  it("prints its URL, serves the given models and exits cleanly on SIGTERM", async () => {
    const script = `import(${JSON.stringify(simCommand)}).then((m) => m.runSimCommand(process.argv.slice(1)))`;
    const child = spawn(process.execPath, ["-e", script, "--", "--port", "0", "--models", "a, b"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let output = "";
      for await (const chunk of child.stdout) {
        output += chunk;
        if (output.includes("\n")) break;
      }
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      assert.ok(url, `no URL in ${JSON.stringify(output)}`);
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(
        models.data.map((model) => model.id),
        ["a", "b"],
      );
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("rejects a flag that is not a number", async () => {
    const { runSimCommand } = await import("../../src/cli/sim-command.js");
    await assert.rejects(runSimCommand(["--ttft-ms", "soon"]), /--ttft-ms must be a number/);
  });
});
