import { hash } from "node:crypto";
import type { OutgoingRequest } from "../../config/snapshot.js";
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
export async function signAwsRequest(
  req: OutgoingRequest,
  credentials: AwsCredentials,
  region: string,
  service: string,
  signingDate?: Date,
): Promise<void> {
  // A client's own x-amz-* headers would be sent unsigned next to ours, or clash with them.
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith("x-amz-")) delete req.headers[name];
  }
  const toSign: Record<string, string> = {
    host: req.headers.host ?? req.authority,
    // Given to the signer, which then uses it instead of hashing the body itself: the one-shot
    // hash is several times cheaper than its generic Checksum round (see BENCHMARKS.md).
    "x-amz-content-sha256": hash("sha256", req.body, "hex"),
  };
  for (const name of SIGNED_IF_PRESENT) {
    const value = req.headers[name];
    if (value !== undefined) toSign[name] = value;
  }
  const queryStart = req.path.indexOf("?");
  const signer = signers.get(credentials, region, service);
  const signed = await signer.sign(
    {
      method: req.method,
      // Not part of SigV4's canonical request; the signer only carries it along.
      protocol: "https:",
      hostname: toSign.host as string,
      path: queryStart < 0 ? req.path : req.path.slice(0, queryStart),
      query: queryStart < 0 ? {} : queryOf(req.path.slice(queryStart + 1)),
      headers: toSign,
      body: req.body,
    },
    signingDate === undefined ? {} : { signingDate },
  );
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name === "authorization" || name.startsWith("x-amz-")) req.headers[name] = value;
  }
}

/** The decoded query parameters, as the signer wants them (it encodes them canonically again). */
function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  return query;
}
