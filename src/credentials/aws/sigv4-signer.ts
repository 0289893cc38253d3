import { createHmac, hash } from "node:crypto";
import {
  ALGORITHM_IDENTIFIER,
  AMZ_DATE_HEADER,
  AUTH_HEADER,
  createScope,
  getCanonicalHeaders,
  KEY_TYPE_IDENTIFIER,
  SHA256_HEADER,
  SignatureV4Base,
  TOKEN_HEADER,
} from "@smithy/signature-v4";
import type { AwsCredentials } from "./aws-credentials.js";
import { NodeSha256 } from "./node-sha256.js";

/** What to sign: the request as sent, minus its body (whose hash is given). */
export interface SignableRequest {
  method: string;
  /** Path as sent, without the query, already percent-encoded where the API needs it (`%3A`). */
  path: string;
  /** The query as sent, without "?"; "" for none. */
  search: string;
  /** Lower-case names; every one of them is signed. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, sent as x-amz-content-sha256. */
  bodyHash: string;
}

/** Stand-ins for the two signed values that change per request; no canonicalization alters them. */
const BODY_HASH_HOLE = "\0body-hash\0";
const DATE_HOLE = "\0date\0";
const HOLES = /(\0body-hash\0|\0date\0)/;

/** A request shape's canonical request, split around its holes, and its signed-header list. */
interface CanonicalTemplate {
  /** Literal text at even indexes, a hole's name at odd ones. */
  parts: string[];
  signedHeaders: string;
}

/**
 * Distinct request shapes (method, path, query, signed headers) remembered per signer, cleared when
 * full: a backend has a handful (one per model and operation), and with up to 256 signers (see
 * SignerCache) clients naming arbitrary models cannot make these hold more than a few MB.
 */
const MAX_TEMPLATES = 64;

/**
 * SigV4 for one identity, region and service, built on @smithy/signature-v4's SignatureV4Base as
 * that class intends (smithy's SigV4a signer extends it too). Everything SigV4 canonicalizes is
 * smithy's: the canonical request (path normalized and escaped once more as every service but S3
 * wants, canonical query, sorted and trimmed headers, signed-header list), the date format and the
 * scope. What differs from smithy's SignatureV4 is how often and how it runs:
 * - synchronously, on node:crypto, with the day's signing key derived once per day;
 * - the canonical request is built once per request shape, with holes where the date and body hash
 *   go (values no canonicalization step changes), and filled per request.
 * SignatureV4.sign() instead resolves providers, clones the request, canonicalizes it and awaits
 * each digest on every call, which kept the translated Bedrock path under its throughput budget
 * (docs/design.md, BENCHMARKS.md). The headers are byte for byte SignatureV4's:
 * test/credentials/aws/sigv4-signer.test.ts checks them against SignatureV4 itself.
 */
export class SigV4Signer extends SignatureV4Base {
  private readonly credentials: AwsCredentials;
  private readonly templates = new Map<string, CanonicalTemplate>();
  private keyDay = "";
  private key: Buffer = Buffer.alloc(0);
  /** The last formatted second: requests come many per second, and formatting is not free. */
  private dateSecond = Number.NaN;
  private dates = { longDate: "", shortDate: "" };

  constructor(
    credentials: AwsCredentials,
    private readonly signingRegion: string,
    service: string,
  ) {
    // The base class keeps providers and a digest constructor for its async helpers, unused here.
    super({ service, region: signingRegion, credentials, sha256: NodeSha256, uriEscapePath: true });
    // A copy: the signing key is kept per day, so the values must not change under it.
    this.credentials = { ...credentials };
  }

  /** Whether this signer is the one for these credential values, region and service. */
  signs(credentials: AwsCredentials, region: string, service: string): boolean {
    return (
      region === this.signingRegion &&
      service === this.service &&
      credentials.accessKeyId === this.credentials.accessKeyId &&
      credentials.secretAccessKey === this.credentials.secretAccessKey &&
      credentials.sessionToken === this.credentials.sessionToken
    );
  }

  /**
   * The headers to add to `request` so that AWS accepts it: x-amz-date, x-amz-content-sha256, the
   * session token if any, and authorization.
   */
  sign(request: SignableRequest, date: Date = new Date()): Record<string, string> {
    const { longDate, shortDate } = this.datesOf(date);
    const template = this.templateFor(request);
    let canonicalRequest = "";
    for (let i = 0; i < template.parts.length; i++) {
      const part = template.parts[i] as string;
      canonicalRequest += i % 2 === 0 ? part : part === BODY_HASH_HOLE ? request.bodyHash : longDate;
    }
    const scope = createScope(shortDate, this.signingRegion, this.service);
    const stringToSign = `${ALGORITHM_IDENTIFIER}\n${longDate}\n${scope}\n${hash("sha256", canonicalRequest, "hex")}`;
    const signature = createHmac("sha256", this.signingKey(shortDate)).update(stringToSign).digest("hex");
    const added: Record<string, string> = {
      [AMZ_DATE_HEADER]: longDate,
      [SHA256_HEADER]: request.bodyHash,
      [AUTH_HEADER]: `${ALGORITHM_IDENTIFIER} Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${template.signedHeaders}, Signature=${signature}`,
    };
    if (this.credentials.sessionToken) added[TOKEN_HEADER] = this.credentials.sessionToken;
    return added;
  }

  /** smithy's canonical request for this request's shape, with holes for the date and body hash. */
  private templateFor(request: SignableRequest): CanonicalTemplate {
    // Unambiguous: the path holds no "?", and header names no ":", and no part a line break.
    let key = `${request.method} ${request.path}?${request.search}`;
    for (const name in request.headers) key += `\n${name}:${request.headers[name]}`;
    let template = this.templates.get(key);
    if (template === undefined) {
      const headers: Record<string, string> = {
        ...request.headers,
        [AMZ_DATE_HEADER]: DATE_HOLE,
        [SHA256_HEADER]: BODY_HASH_HOLE,
      };
      if (this.credentials.sessionToken) headers[TOKEN_HEADER] = this.credentials.sessionToken;
      const httpRequest = {
        method: request.method,
        // Not part of the canonical request; smithy's request type wants them.
        protocol: "https:",
        hostname: request.headers.host ?? "",
        path: request.path,
        query: queryOf(request.search),
        headers,
      };
      const canonicalHeaders = getCanonicalHeaders(httpRequest);
      template = {
        parts: this.createCanonicalRequest(httpRequest, canonicalHeaders, BODY_HASH_HOLE).split(HOLES),
        signedHeaders: this.getCanonicalHeaderList(canonicalHeaders),
      };
      if (this.templates.size >= MAX_TEMPLATES) this.templates.clear();
      this.templates.set(key, template);
    }
    return template;
  }

  private datesOf(date: Date): { longDate: string; shortDate: string } {
    const second = Math.floor(date.getTime() / 1000);
    if (second !== this.dateSecond) {
      this.dates = this.formatDate(date);
      this.dateSecond = second;
    }
    return this.dates;
  }

  /** kSigning for `day` (YYYYMMDD): four HMACs, computed when the day changes. */
  private signingKey(day: string): Buffer {
    if (day !== this.keyDay) {
      let key = createHmac("sha256", `AWS4${this.credentials.secretAccessKey}`).update(day).digest();
      for (const part of [this.signingRegion, this.service, KEY_TYPE_IDENTIFIER]) {
        key = createHmac("sha256", key).update(part).digest();
      }
      this.key = key;
      this.keyDay = day;
    }
    return this.key;
  }
}

/** The decoded query parameters, as smithy wants them (it encodes them canonically again). */
function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  return query;
}
