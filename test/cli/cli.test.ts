import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { FAKE_CLAUDE_ANSWER, startFakeAnthropic } from "../support/fake-anthropic.js";
import { startFakeOpenAI } from "../support/fake-openai-server.js";
import { configYaml, gatewayDocs, modelIs, openAIBackendDocs, routeDoc } from "../support/gateway-yaml.js";
import type { RecordingUpstream } from "../support/recording-upstream.js";
import { sendRaw } from "../support/send-raw.js";
import { AIGW_BIN, cleanEnv, runAigw, serveAigw } from "../support/spawn-aigw.js";

const CRDCEL = fileURLToPath(
  new URL("../../../../shared/conformance/envoy-ai-gateway/tests/crdcel/testdata/", import.meta.url),
);
const EXAMPLES = fileURLToPath(
  new URL("../../../../shared/conformance/envoy-ai-gateway/examples/", import.meta.url),
);
/** Fixed ports would collide with other test files; 0 lets the OS choose and the CLI prints it. */
const EPHEMERAL = ["--port", "0", "--admin-port", "0", "--host", "127.0.0.1"];

let upstream: RecordingUpstream;
let dir: string;

before(async () => {
  upstream = await startFakeOpenAI();
  dir = await mkdtemp(join(tmpdir(), "aigw-cli-"));
});

after(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

test("aigw validate: an upstream example is valid and its Kubernetes-only kinds are reported as ignored", async () => {
  const run = await runAigw(["validate", join(EXAMPLES, "basic/basic.yaml")]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /ignored: Deployment default\/envoy-ai-gateway-basic-testupstream/);
  assert.match(run.stdout, /^valid: /m);
});

test("aigw validate: an invalid file exits 1 with the Kubernetes-style error", async () => {
  const run = await runAigw(["validate", join(CRDCEL, "aigatewayroutes/duplicate_rule_names.yaml")]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /spec\.rules: Invalid value: "array": rule name must be unique within the route/);
});

test("aigw validate: warnings (e.g. a deprecated API version) are printed and do not fail", async () => {
  const file = join(dir, "deprecated.yaml");
  const yaml = configYaml(
    gatewayDocs(),
    routeDoc("r", { rules: [{ matches: [modelIs("m")], backendRefs: [{ name: "up" }] }] }),
    openAIBackendDocs("up", upstream.url),
  ).replace(
    "aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute",
    "aigateway.envoyproxy.io/v1alpha1\nkind: AIGatewayRoute",
  );
  assert.match(yaml, /v1alpha1\nkind: AIGatewayRoute/, "the fixture really uses the deprecated version");
  await writeFile(file, yaml);
  const run = await runAigw(["validate", file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^warning: .*AIGatewayRoute default\/r.*v1alpha1/m);
});

test("aigw validate: a missing file and no arguments are errors", async () => {
  assert.equal((await runAigw(["validate", join(dir, "nope.yaml")])).code, 1);
  assert.equal((await runAigw(["validate"])).code, 2);
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the configuration's substitution syntax, not a template.
test("aigw run FILE serves the configuration, with ${VAR} substitution, and stops cleanly on SIGTERM", async () => {
  const file = join(dir, "config.yaml");
  const yaml = configYaml(
    gatewayDocs(),
    routeDoc("r", {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: substituted by aigw, not by JavaScript.
      rules: [{ matches: [modelIs("${MODEL_NAME:=fallback-model}")], backendRefs: [{ name: "up" }] }],
    }),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: substituted by aigw, not by JavaScript.
    openAIBackendDocs("up", upstream.url, { apiKey: "${UPSTREAM_KEY}" }),
  );
  await writeFile(file, yaml);
  const aigw = await serveAigw([file, ...EPHEMERAL], cleanEnv({ UPSTREAM_KEY: "from-env" }));
  try {
    const client = new OpenAI({ baseURL: `${aigw.url}/v1`, apiKey: "client-key" });
    const answer = await client.chat.completions.create({
      model: "fallback-model",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.choices[0]?.message.content, "Hello from the fake upstream!");
    assert.equal(upstream.requests.at(-1)!.headers.authorization, "Bearer from-env");
    assert.equal((await sendRaw(`${aigw.adminUrl}/health`)).status, 200);
    assert.equal((await sendRaw(`${aigw.adminUrl}/ready`)).status, 200);
    // One JSON access-log line per request on stdout, with the usage counted.
    await new Promise((r) => setTimeout(r, 50));
    const line = JSON.parse(aigw.stdout().trim().split("\n").at(-1)!) as Record<string, unknown>;
    assert.equal(line["gen_ai.request.model"], "fallback-model");
    assert.equal(line["gen_ai.usage.total_tokens"], answer.usage?.total_tokens);
  } finally {
    assert.equal(await aigw.stop(), 0);
  }
});

test("aigw run with an invalid file refuses to start and says why", async () => {
  const run = await runAigw(
    ["run", join(CRDCEL, "aigatewayroutes/reserved_rule_name.yaml"), ...EPHEMERAL],
    cleanEnv(),
  );
  assert.equal(run.code, 1);
  assert.match(run.stderr, /rule name route-not-found is reserved/);
});

test("aigw run refuses a --redis that is not a Redis URL, and a --redis-fail other than open or closed", async () => {
  const config = join(EXAMPLES, "basic/basic.yaml");
  const badUrl = await runAigw(["run", config, ...EPHEMERAL, "--redis", "localhost:6379"], cleanEnv());
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /--redis: expected a redis:\/\/ or rediss:\/\/ URL, got "localhost:6379"/);
  const fromEnv = await runAigw(["run", config, ...EPHEMERAL], cleanEnv({ AIGW_REDIS_URL: "http://x" }));
  assert.equal(fromEnv.code, 2);
  const badMode = await runAigw(["run", config, ...EPHEMERAL, "--redis-fail", "sometimes"], cleanEnv());
  assert.equal(badMode.code, 2);
  assert.match(badMode.stderr, /--redis-fail: expected open or closed/);
});

test("aigw run refuses a --request-header-attributes mapping it cannot read, from the flag or the variable", async () => {
  const config = join(EXAMPLES, "basic/basic.yaml");
  const badFlag = await runAigw(
    ["run", config, ...EPHEMERAL, "--request-header-attributes", "x-tenant-id"],
    cleanEnv(),
  );
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--request-header-attributes: "x-tenant-id": expected <header>:<attribute>/);
  const fromEnv = await runAigw(
    ["run", config, ...EPHEMERAL],
    cleanEnv({ OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES: "x-r:route" }),
  );
  assert.equal(fromEnv.code, 2);
  assert.match(fromEnv.stderr, /route is a built-in field/);
});

test("aigw run refuses metrics options it cannot use: a bad mapping, a label taken, a bad bound", async () => {
  const config = join(EXAMPLES, "basic/basic.yaml");
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["--metrics-request-header-attributes", "x-tenant-id"],
      {},
      /--metrics-request-header-attributes: "x-tenant-id": expected <header>:<attribute>/,
    ],
    [
      [],
      { OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: "x-e:error.type" },
      /--metrics-request-header-attributes: header attribute error.type would be the metric label error_type, which is taken/,
    ],
    // The base mapping labels the metrics when they have none of their own.
    [
      ["--request-header-attributes", "x-a:tenant.id,x-b:tenant_id"],
      {},
      /--request-header-attributes: .*tenant_id, which is taken/,
    ],
    [
      ["--metrics-max-label-values", "0"],
      {},
      /--metrics-max-label-values: expected a positive integer, got "0"/,
    ],
    [
      [],
      { AIGW_METRICS_MAX_LABEL_VALUES: "many" },
      /--metrics-max-label-values: expected a positive integer, got "many"/,
    ],
  ];
  for (const [flags, env, message] of cases) {
    const result = await runAigw(["run", config, ...EPHEMERAL, ...flags], cleanEnv(env));
    assert.equal(result.code, 2, `${flags.join(" ")} ${JSON.stringify(env)}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test("aigw run refuses telemetry settings it cannot use, and a mapping that would record a credential", async () => {
  const config = join(EXAMPLES, "basic/basic.yaml");
  const cases: [string[], Record<string, string>, RegExp][] = [
    // Checked with no exporter configured too: a typo must not wait for tracing to be turned on.
    [
      [],
      { AI_GATEWAY_TRACING_SEMCONV: "otel" },
      /^aigw: AI_GATEWAY_TRACING_SEMCONV: expected openinference or gen_ai, got "otel"$/m,
    ],
    [
      [],
      { OTEL_TRACES_EXPORTER: "jaeger" },
      /OTEL_TRACES_EXPORTER: expected otlp, console or none, got "jaeger"/,
    ],
    [
      [],
      { OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      /OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json/,
    ],
    [
      ["--log-request-header-attributes", "x-a"],
      {},
      /--log-request-header-attributes: "x-a": expected <header>:<attribute>/,
    ],
    [
      [],
      { OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES: "authorization:auth" },
      /--log-request-header-attributes: "authorization:auth": authorization carries a credential and is never recorded/,
    ],
    [["--request-header-attributes", "x-api-key:key"], {}, /x-api-key carries a credential/],
  ];
  for (const [flags, env, message] of cases) {
    const result = await runAigw(["run", config, ...EPHEMERAL, ...flags], cleanEnv(env));
    assert.equal(result.code, 2, `${flags.join(" ")} ${JSON.stringify(env)}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});

test("aigw run on a port another process holds says so and exits 1, with no stack trace", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const { port } = holder.address() as AddressInfo;
  try {
    const result = await runAigw(
      [
        "run",
        join(EXAMPLES, "basic/basic.yaml"),
        "--port",
        String(port),
        "--admin-port",
        "0",
        "--host",
        "127.0.0.1",
      ],
      cleanEnv(),
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`aigw: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  } finally {
    holder.close();
  }
});

test("aigw run with no file and OPENAI_API_KEY/OPENAI_BASE_URL routes every model to that server", async () => {
  const aigw = await serveAigw(
    EPHEMERAL,
    cleanEnv({ OPENAI_API_KEY: "sk-env", OPENAI_BASE_URL: `${upstream.url}/v1` }),
  );
  try {
    const res = await sendRaw(`${aigw.url}/v1/chat/completions`, {
      body: { model: "any-model", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(res.status, 200, res.text);
    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.url, "/v1/chat/completions");
    assert.equal(sent.headers.authorization, "Bearer sk-env");
  } finally {
    await aigw.stop();
  }
});

test("aigw run with ANTHROPIC_API_KEY and OPENAI_API_KEY: claude-* models go to Anthropic, others to OpenAI", async () => {
  const anthropic = await startFakeAnthropic({ apiKey: "sk-ant-env" });
  const aigw = await serveAigw(
    EPHEMERAL,
    cleanEnv({
      ANTHROPIC_API_KEY: "sk-ant-env",
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: "sk-env",
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    }),
  );
  try {
    // The Anthropic SDK pointed at the gateway as ANTHROPIC_BASE_URL, with its own (client) key.
    const claude = new Anthropic({ baseURL: aigw.url, apiKey: "client-key" });
    const message = await claude.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "hi" }],
    });
    const first = message.content[0];
    assert.equal(first?.type === "text" ? first.text : undefined, FAKE_CLAUDE_ANSWER);
    assert.equal(anthropic.calls.length, 1, "the fake accepted the configured x-api-key");
    const openaiCount = upstream.requests.length;
    const res = await sendRaw(`${aigw.url}/v1/chat/completions`, {
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(upstream.requests.length, openaiCount + 1);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, "Bearer sk-env");
  } finally {
    await aigw.stop();
    await anthropic.close();
  }
});

test("aigw run with nothing configured is a working offline demo", async () => {
  const aigw = await serveAigw(EPHEMERAL, cleanEnv());
  try {
    assert.match(aigw.stderr(), /demo mode/);
    const client = new OpenAI({ baseURL: `${aigw.url}/v1`, apiKey: "unused" });
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ["demo"],
    );
    const stream = await client.chat.completions.create({
      model: "demo",
      stream: true,
      messages: [{ role: "user", content: "Hello" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.ok(text.length > 0, "the demo streams an answer");
  } finally {
    await aigw.stop();
  }
});

test("the bin runs as a program through its shebang (with its Node flags), as npx and npm start run it", async () => {
  const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(AIGW_BIN, ["version"], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
  });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^aigw \d+\.\d+\.\d+/);
});

test("aigw with an unknown command prints usage and exits 2", async () => {
  const run = await runAigw(["frobnicate"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /usage: aigw/);
});
