import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { TLSSocket } from "node:tls";
import OpenAI from "openai";
import { Agent } from "undici";
import { fakeOpenAIHandler, startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, GATEWAY_NAME, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { startTestGateway, type TestGateway } from "../support/start-test-gateway.js";
import { TEST_CA, TEST_SERVER_CERT, TEST_SERVER_KEY } from "../support/tls-fixtures.js";

const httpsGateway = (backendUrl: string) =>
  configYaml(
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: GATEWAY_NAME, namespace: "default" },
      spec: {
        gatewayClassName: "x",
        listeners: [
          {
            name: "https",
            protocol: "HTTPS",
            port: 8443,
            tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "gw-cert" }] },
          },
        ],
      },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "gw-cert", namespace: "default" },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": TEST_SERVER_CERT, "tls.key": TEST_SERVER_KEY },
    },
    routeDoc("r", { rules: [{ matches: [modelIs("m")], backendRefs: [{ name: "plain" }] }] }),
    openAIBackendDocs("plain", backendUrl),
  );

/** A Backend on the TLS upstream with a BackendTLSPolicy; `ca` false means the system CAs only. */
const tlsUpstreamConfig = (port: number, ca: boolean) =>
  configYaml(
    routeDoc("r", { rules: [{ matches: [modelIs("m")], backendRefs: [{ name: "secure" }] }] }),
    openAIBackendDocs("secure", `http://127.0.0.1:${port}`),
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "BackendTLSPolicy",
      metadata: { name: "secure-tls", namespace: "default" },
      spec: {
        targetRefs: [{ group: "gateway.envoyproxy.io", kind: "Backend", name: "secure" }],
        validation: ca
          ? {
              hostname: "upstream.test",
              caCertificateRefs: [{ group: "", kind: "ConfigMap", name: "test-ca" }],
            }
          : { hostname: "upstream.test", wellKnownCACertificates: "System" },
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "test-ca", namespace: "default" },
      data: { "ca.crt": TEST_CA },
    },
  );

let plainUpstream: RecordingUpstream;
let tlsUpstream: Server;
let tlsPort: number;
const seenServernames: (string | false | null)[] = [];

before(async () => {
  plainUpstream = await startFakeOpenAI();
  tlsUpstream = createServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY }, (req, res) => {
    seenServernames.push((req.socket as TLSSocket).servername);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void fakeOpenAIHandler(
        {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks),
          outcome: Promise.resolve("finished"),
        },
        res,
      );
    });
  });
  await new Promise<void>((resolve) => tlsUpstream.listen(0, "127.0.0.1", resolve));
  tlsPort = (tlsUpstream.address() as AddressInfo).port;
});

after(async () => {
  await plainUpstream.close();
  await new Promise<void>((resolve) => tlsUpstream.close(() => resolve()));
});

test("an HTTPS Gateway listener serves the certificate from its kubernetes.io/tls Secret", async () => {
  const gw: TestGateway = await startTestGateway(httpsGateway(plainUpstream.url));
  try {
    assert.match(gw.url, /^https:\/\//);
    const trusting = new Agent({ connect: { ca: TEST_CA, servername: "localhost" } });
    const client = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: "k",
      fetchOptions: { dispatcher: trusting },
    });
    const answer = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.choices[0]?.message.content, "Hello from the fake upstream!");
    await trusting.close();
    // A client that does not trust the test CA must refuse the certificate: TLS is really on.
    await assert.rejects(sendRaw(`${gw.url}/v1/models`), /certificate|self.signed|UNABLE_TO_VERIFY/i);
  } finally {
    await gw.close();
  }
});

test("a BackendTLSPolicy with a CA ConfigMap makes the upstream connection TLS with SNI and verification", async () => {
  const gw = await startTestGateway(tlsUpstreamConfig(tlsPort, true));
  try {
    const before = seenServernames.length;
    const res = await sendRaw(`${gw.url}/v1/chat/completions`, {
      body: { model: "m", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(seenServernames.length, before + 1, "the TLS upstream answered");
    assert.equal(seenServernames.at(-1), "upstream.test", "SNI is the policy's hostname");
  } finally {
    await gw.close();
  }
});

test("an upstream certificate the policy's CAs do not trust is refused: 503, nothing reaches the upstream", async () => {
  const gw = await startTestGateway(tlsUpstreamConfig(tlsPort, false));
  try {
    const before = seenServernames.length;
    const res = await sendRaw(`${gw.url}/v1/chat/completions`, {
      body: { model: "m", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.text).error.type, "ServiceUnavailable");
    assert.equal(seenServernames.length, before, "no request was answered by the untrusted upstream");
  } finally {
    await gw.close();
  }
});
