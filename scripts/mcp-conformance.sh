#!/bin/sh
# The official MCP conformance suite's server scenarios through aigw (bench/mcp-conformance.ts):
# builds, then runs them against an everything-style upstream directly and through the gateway.
# Needs the npm registry the first time (npx fetches @modelcontextprotocol/conformance@0.1.16).
set -e
cd "$(dirname "$0")/.."
npx tsc -p .
exec node dist/bench/mcp-conformance.js "$@"
