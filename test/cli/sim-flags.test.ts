import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runAigw } from "../support/spawn-aigw.js";

/** `aigw sim` with flags that must be refused before anything listens. */
async function refused(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runAigw(["sim", "--port", "0", ...args]);
  assert.equal(code, 1, `exit code for ${args.join(" ")}`);
  assert.equal(stdout, "", "nothing was started");
  assert.doesNotMatch(stderr, /\n\s+at /, "a message, not a stack trace");
  return stderr.trim();
}

describe("aigw sim flag errors", () => {
  const cases: [string[], string][] = [
    [["--jitter", "0.5"], "aigw sim: --jitter must be from 0 to 0.3, got 0.5"],
    [["--jitter", "NaN"], 'aigw sim: --jitter must be a number, got "NaN"'],
    [["--itl-ms=-1"], "aigw sim: --itl-ms must be >= 0, got -1"],
    [["--tpot-ms=-2"], "aigw sim: --tpot-ms must be >= 0, got -2"],
    [["--max-num-seqs", "0"], "aigw sim: --max-num-seqs must be a positive integer, got 0"],
    [["--max-running", "1.5"], "aigw sim: --max-running must be a positive integer, got 1.5"],
    [["--max-waiting=-1"], "aigw sim: --max-waiting must be an integer >= 0, got -1"],
    [["--kv-cache-blocks", "0"], "aigw sim: --kv-cache-blocks must be a positive integer, got 0"],
    [
      ["--time-factor-under-load", "0.5"],
      "aigw sim: --time-factor-under-load must be a number >= 1, got 0.5",
    ],
    [["--prefill-ms-per-token", "soon"], 'aigw sim: --prefill-ms-per-token must be a number, got "soon"'],
    [
      ["--lora-modules", "sim-model"],
      'aigw sim: --lora-modules must be non-empty names other than the base models, got "sim-model"',
    ],
    [["--itl-ms", "5", "--tpot-ms", "6"], "aigw sim: --itl-ms and tpotMs (its old name) disagree: 5 and 6"],
  ];
  for (const [args, message] of cases) {
    it(`refuses ${args.join(" ")}`, async () => assert.equal(await refused(args), message));
  }

  it("refuses an address it cannot bind, naming it", async () => {
    assert.match(
      await refused(["--host", "192.0.2.1"]),
      /^aigw sim: cannot listen on 192\.0\.2\.1:0: EADDRNOTAVAIL$/,
    );
  });
});
