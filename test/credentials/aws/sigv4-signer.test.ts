import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentials } from "../../../src/credentials/aws/aws-credentials.js";
import { type SignableRequest, SigV4Signer } from "../../../src/credentials/aws/sigv4-signer.js";

/** A small deterministic PRNG (mulberry32), so a failing case can be reproduced from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/** Path segments as the gateway and others send them, including ones SigV4 normalizes or escapes. */
const SEGMENTS = [
  "model",
  "anthropic.claude-3-5-haiku-20241022-v1%3A0",
  "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.nova-pro",
  "converse",
  "converse-stream",
  "invoke-with-response-stream",
  "count-tokens",
  "a b",
  "it's(*)!",
  "%E2%9C%93",
  "~tilde_under-dot.",
  ".",
  "..",
  "",
];
const QUERY_KEYS = ["a", "Z", "x-id", "key with space", "ümlaut", "b*"];
const QUERY_VALUES = ["", "1", "two words", "a/b", "=&?", "✓"];
const CONTENT_TYPES = ["application/json", "application/json ", "  text/plain;  charset=utf-8", "a\tb"];
const REGIONS = ["us-east-1", "eu-central-1", "ap-northeast-1"];
const SERVICES = ["bedrock", "s3-outposts", "execute-api"];

function randomCase(next: () => number): {
  credentials: AwsCredentials;
  region: string;
  service: string;
  request: SignableRequest;
  body: string;
  date: Date;
} {
  const segments = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(next, SEGMENTS));
  const path = `/${segments.join("/")}${next() < 0.2 ? "/" : ""}`;
  const query = new URLSearchParams();
  for (let i = Math.floor(next() * 3); i > 0; i--)
    query.set(pick(next, QUERY_KEYS), pick(next, QUERY_VALUES));
  const body = JSON.stringify({ n: next(), text: "héllo" });
  const headers: Record<string, string> = { host: `bedrock-runtime.${pick(next, REGIONS)}.amazonaws.com` };
  if (next() < 0.8) headers["content-type"] = pick(next, CONTENT_TYPES);
  const credentials: AwsCredentials = {
    accessKeyId: `AKID${Math.floor(next() * 1e6)}`,
    secretAccessKey: `secret/${Math.floor(next() * 1e9)}+key`,
  };
  if (next() < 0.5) credentials.sessionToken = `IQoJb3JpZ2luX2Vj${Math.floor(next() * 1e9)}==`;
  return {
    credentials,
    region: pick(next, REGIONS),
    service: pick(next, SERVICES),
    request: {
      method: pick(next, ["POST", "GET"]),
      path,
      search: query.toString(),
      headers,
      bodyHash: createHash("sha256").update(body).digest("hex"),
    },
    body,
    // Any second within about two years, so cases cross day, month and year boundaries.
    date: new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 2 * 365 * 86_400) * 1000),
  };
}

/** The reference: @smithy/signature-v4's own SignatureV4, with its own digest and its own body hashing. */
async function referenceHeaders(c: ReturnType<typeof randomCase>): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: c.service,
    region: c.region,
    credentials: c.credentials,
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: true,
  });
  const signed = await signer.sign(
    {
      method: c.request.method,
      protocol: "https:",
      hostname: c.request.headers.host ?? "",
      path: c.request.path,
      query: Object.fromEntries(new URLSearchParams(c.request.search)),
      headers: { ...c.request.headers },
      body: c.body,
    },
    { signingDate: c.date },
  );
  return signed.headers as Record<string, string>;
}

test("signs byte for byte as SignatureV4 across paths, queries, headers, tokens, regions and dates", async () => {
  const next = random(20261122);
  for (let i = 0; i < 500; i++) {
    const c = randomCase(next);
    const ours = new SigV4Signer(c.credentials, c.region, c.service).sign(c.request, c.date);
    const reference = await referenceHeaders(c);
    const context = `case ${i}: ${c.request.method} ${c.request.path}?${c.request.search}`;
    assert.equal(ours.authorization, reference.authorization, context);
    assert.equal(ours["x-amz-date"], reference["x-amz-date"], context);
    assert.equal(ours["x-amz-content-sha256"], reference["x-amz-content-sha256"], context);
    assert.equal(ours["x-amz-security-token"], c.credentials.sessionToken, context);
  }
});

test("signers reused across request shapes, bodies and dates sign each request as SignatureV4 does", async () => {
  const next = random(42);
  const identities = Array.from({ length: 3 }, () => randomCase(next));
  const signers = identities.map((c) => new SigV4Signer(c.credentials, c.region, c.service));
  // Few shapes, so each signer meets each shape again; shapes differing only in the query or a
  // header value too, so that a remembered canonical request of another shape would show.
  const base = randomCase(next).request;
  const shapes = [
    base,
    { ...base, search: "a=1" },
    { ...base, search: "a=2" },
    { ...base, headers: { ...base.headers, "content-type": "text/plain" } },
    { ...base, method: base.method === "POST" ? "GET" : "POST" },
    randomCase(next).request,
  ];
  for (let i = 0; i < 300; i++) {
    const who = Math.floor(next() * identities.length);
    const shape = Math.floor(next() * shapes.length);
    const fresh = randomCase(next);
    const c = {
      ...(identities[who] as ReturnType<typeof randomCase>),
      request: { ...(shapes[shape] as SignableRequest), bodyHash: fresh.request.bodyHash },
      body: fresh.body,
      date: fresh.date,
    };
    const ours = (signers[who] as SigV4Signer).sign(c.request, c.date);
    const reference = await referenceHeaders(c);
    assert.equal(ours.authorization, reference.authorization, `request ${i}: signer ${who}, shape ${shape}`);
  }
});

test("one signer signs each day with that day's key, also going back to an earlier day", async () => {
  const next = random(7);
  const c = randomCase(next);
  const signer = new SigV4Signer(c.credentials, c.region, c.service);
  for (const date of ["2026-11-22T23:59:59Z", "2026-11-23T00:00:00Z", "2026-11-22T12:00:00Z"]) {
    const day = { ...c, date: new Date(date) };
    assert.equal(
      signer.sign(c.request, day.date).authorization,
      (await referenceHeaders(day)).authorization,
      date,
    );
  }
});

test("the request given is left as it was", () => {
  const c = randomCase(random(3));
  const before = structuredClone(c.request);
  new SigV4Signer(c.credentials, c.region, c.service).sign(c.request, c.date);
  assert.deepEqual(c.request, before);
});

test("a signer keeps the credential values it was made with, whatever happens to the object later", async () => {
  const c = randomCase(random(11));
  const credentials = { ...c.credentials };
  const signer = new SigV4Signer(credentials, c.region, c.service);
  credentials.secretAccessKey = "changed afterwards";
  assert.equal(signer.sign(c.request, c.date).authorization, (await referenceHeaders(c)).authorization);
  assert.ok(signer.signs(c.credentials, c.region, c.service));
  assert.ok(!signer.signs(credentials, c.region, c.service));
});
