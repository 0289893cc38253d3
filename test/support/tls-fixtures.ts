import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Test-only certificates (test/fixtures/tls/README.md), read from the source tree. */
const dir = fileURLToPath(new URL("../../../test/fixtures/tls/", import.meta.url));

export const TEST_CA = readFileSync(`${dir}ca.crt`, "utf8");
export const TEST_SERVER_CERT = readFileSync(`${dir}server.crt`, "utf8");
export const TEST_SERVER_KEY = readFileSync(`${dir}server.key`, "utf8");
/** The CA's file, for NODE_EXTRA_CA_CERTS of a child process. */
export const TEST_CA_PATH = `${dir}ca.crt`;
