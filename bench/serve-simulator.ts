import { runSimCommand } from "../src/cli/sim-command.js";

/**
 * The simulator as its own benchmark process, started without the CLI entry point so the baseline
 * measurements do not depend on the rest of the gateway building. Same flags as `aigw sim`.
 */
await runSimCommand(process.argv.slice(2));
