import { hash } from "node:crypto";
import type { OutgoingRequest } from "../credential-injector.js";
import type { AwsCredentials } from "./aws-credentials.js";
import { SignerCache } from "./signer-cache.js";

/** Signers shared by every request of this process (see SignerCache). */
const signers = new SignerCache();

/** Headers whose values AWS must see exactly as signed; everything else the gateway sends is unsigned. */
const SIGNED_IF_PRESENT = ["content-type"];

/**
 * Signs an upstream request with SigV4 in place: sets authorization, x-amz-date,
 * x-amz-content-sha256 and (with a session token) x-amz-security-token. The signed headers are host,
 * content-type and those x-amz-* headers, all sent exactly as signed; other forwarded client
 * headers stay unsigned, which SigV4 allows. The canonical path is derived from the path as sent
 * (model ids already carry `%3A`), escaped once more as AWS does for every service but S3.
 */
export function signAwsRequest(
  req: OutgoingRequest,
  credentials: AwsCredentials,
  region: string,
  service: string,
  signingDate?: Date,
): void {
  // A client's own x-amz-* headers would be sent unsigned next to ours, or clash with them.
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith("x-amz-")) delete req.headers[name];
  }
  const headers: Record<string, string> = { host: req.headers.host ?? req.authority };
  for (const name of SIGNED_IF_PRESENT) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const queryStart = req.path.indexOf("?");
  const added = signers.get(credentials, region, service).sign(
    {
      method: req.method,
      path: queryStart < 0 ? req.path : req.path.slice(0, queryStart),
      search: queryStart < 0 ? "" : req.path.slice(queryStart + 1),
      headers,
      bodyHash: hash("sha256", req.body, "hex"),
    },
    signingDate,
  );
  Object.assign(req.headers, added);
}
