import { readFileSync } from "node:fs";

/** aigw's version (package.json), read once, for the serverInfo the MCP endpoint answers with. */
export const GATEWAY_VERSION: string = readVersion();

function readVersion(): string {
  // src/mcp/ and dist/src/mcp/ both find package.json above them.
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "aigw" && pkg.version) return pkg.version;
    } catch {
      // Not here: try the next place.
    }
  }
  // Not where it is expected: an unknown version is still a working gateway.
  return "0.0.0";
}
