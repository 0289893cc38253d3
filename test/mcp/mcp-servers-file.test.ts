import assert from "node:assert/strict";
import { test } from "node:test";
import { gatewayDocs } from "../../src/config/autoconfig.js";
import { formatFieldError } from "../../src/config/field-error.js";
import { parseConfigText } from "../../src/config/load-config-files.js";
import type { Resource } from "../../src/config/resource.js";
import { validateResources } from "../../src/config/validate/validate-resources.js";
import {
  type McpHttpServer,
  mcpServersToResources,
  parseMcpServers,
} from "../../src/mcp/mcp-servers-file.js";

const ENV = { GITHUB_TOKEN: "ghp_secret", HOST: "mcp.example.com" };

function parse(doc: unknown, env: Record<string, string> = ENV) {
  return parseMcpServers(JSON.stringify(doc), "servers.json", env);
}

function resourcesOf(doc: unknown): Resource[] {
  return mcpServersToResources(parse(doc) as McpHttpServer[], "servers.json");
}

function refsOf(route: Resource | undefined): Record<string, unknown>[] {
  return (route?.spec?.backendRefs ?? []) as Record<string, unknown>[];
}

function byKind(resources: Resource[], kind: string): Resource[] {
  return resources.filter((r) => r.kind === kind);
}

test("upstream's example file: one MCPRoute at /mcp, a Backend with TLS per https server, the bearer token as an API key", () => {
  const resources = resourcesOf({
    mcpServers: {
      github: {
        type: "http",
        url: "https://api.githubcopilot.com/mcp/x/issues/readonly",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's ${VAR} substitution
        headers: { Authorization: "Bearer ${GITHUB_TOKEN}" },
        includeTools: ["get_issue", "list_issues"],
      },
      local: { url: "http://127.0.0.1:3000/mcp" },
    },
  });
  const [route] = byKind(resources, "MCPRoute");
  assert.deepEqual(route?.metadata, { name: "mcp-route", namespace: "default" });
  assert.deepEqual(route?.spec, {
    parentRefs: [{ name: "aigw-run", kind: "Gateway", group: "gateway.networking.k8s.io" }],
    path: "/mcp",
    backendRefs: [
      {
        name: "github",
        kind: "Backend",
        group: "gateway.envoyproxy.io",
        path: "/mcp/x/issues/readonly",
        toolSelector: { include: ["get_issue", "list_issues"] },
        securityPolicy: { apiKey: { secretRef: { name: "github-token" } } },
      },
      { name: "local", kind: "Backend", group: "gateway.envoyproxy.io", path: "/mcp" },
    ],
  });
  assert.deepEqual(
    byKind(resources, "Backend").map((b) => [b.metadata.name, b.spec]),
    [
      ["github", { endpoints: [{ fqdn: { hostname: "api.githubcopilot.com", port: 443 } }] }],
      ["local", { endpoints: [{ ip: { address: "127.0.0.1", port: 3000 } }] }],
    ],
  );
  const [tls] = byKind(resources, "BackendTLSPolicy");
  assert.equal(tls?.metadata.name, "github-tls");
  assert.deepEqual(tls?.spec?.validation, {
    wellKnownCACertificates: "System",
    hostname: "api.githubcopilot.com",
  });
  assert.equal(byKind(resources, "BackendTLSPolicy").length, 1, "no TLS policy for plain http");
  const [secret] = byKind(resources, "Secret");
  assert.equal(secret?.metadata.name, "github-token");
  assert.deepEqual(
    secret?.stringData,
    { apiKey: "ghp_secret" },
    "the key without 'Bearer ', the variable substituted",
  );
});

test("the resources are a valid configuration with the embedded Gateway, as the same YAML would be", () => {
  const resources = [
    ...parseConfigText(gatewayDocs(), "<default>", {}),
    ...resourcesOf({
      mcpServers: {
        github: { url: "https://api.githubcopilot.com/mcp/", headers: { Authorization: "Bearer k" } },
        custom: { url: "http://localhost:8080/", headers: { "X-API-Key": "k2" }, includeTools: ["a"] },
      },
    }),
  ];
  const { errors, warnings } = validateResources(resources);
  assert.deepEqual(errors.map(formatFieldError), []);
  assert.deepEqual(warnings.map(formatFieldError), []);
});

test("a header other than Authorization: Bearer is the API key sent raw in that header", () => {
  // Servers come sorted by name, as upstream orders them.
  const [basic, custom] = parse({
    mcpServers: {
      custom: { url: "http://h/mcp", headers: { "X-API-Key": "raw-key" } },
      basic: { url: "http://h/mcp", headers: { Authorization: "Basic dXNlcjpwdw==" } },
    },
  }) as McpHttpServer[];
  assert.deepEqual(custom?.apiKey, { header: "X-API-Key", key: "raw-key" });
  assert.deepEqual(basic?.apiKey, { header: "Authorization", key: "Basic dXNlcjpwdw==" });
  const [route] = byKind(mcpServersToResources([custom!], "f"), "MCPRoute");
  const ref = refsOf(route)[0];
  assert.deepEqual(ref?.securityPolicy, {
    apiKey: { secretRef: { name: "custom-token" }, header: "X-API-Key" },
  });
});

test("every spelling of Streamable HTTP upstream takes, and a URL's query string, are kept", () => {
  for (const type of ["http", "streamable-http", "streamable_http", "streamableHttp", undefined]) {
    const [s] = parse({ mcpServers: { a: { type, url: "https://h.example/mcp?key=1" } } }) as McpHttpServer[];
    assert.equal(s?.kind, "http", String(type));
  }
  const [route] = byKind(
    resourcesOf({ mcpServers: { a: { url: "https://h.example/mcp?key=1" } } }),
    "MCPRoute",
  );
  assert.equal(refsOf(route)[0]?.path, "/mcp?key=1");
});

test("a command server: its command, args and env (substituted), type absent or stdio", () => {
  const servers = parse({
    mcpServers: {
      files: {
        type: "stdio",
        command: "npx",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's ${VAR} substitution
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/srv/${HOST}"],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's ${VAR} substitution
        env: { TOKEN: "${GITHUB_TOKEN}" },
        includeTools: ["read_file"],
      },
    },
  });
  assert.deepEqual(servers, [
    {
      kind: "stdio",
      name: "files",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/srv/mcp.example.com"],
      env: { TOKEN: "ghp_secret" },
      includeTools: ["read_file"],
    },
  ]);
});

test("an empty mcpServers is no route at all", () => {
  assert.deepEqual(resourcesOf({ mcpServers: {} }), []);
});

test("a bad file is refused with the file, the field and what is wrong", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", "{", /servers\.json: \(file\): not JSON/],
    ["not an object", [1], /\(file\): expected an object/],
    ["mcpServers missing", { servers: {} }, /mcpServers: Required value/],
    ["mcpServers not an object", { mcpServers: [] }, /mcpServers: expected an object/],
    [
      "neither url nor command",
      { mcpServers: { a: { args: [] } } },
      /mcpServers\.a: a server needs a url .* or a command/,
    ],
    [
      "both",
      { mcpServers: { a: { url: "http://h", command: "x" } } },
      /mcpServers\.a: either url or command/,
    ],
    [
      "sse",
      { mcpServers: { a: { type: "sse", url: "http://h" } } },
      /mcpServers\.a\.type: "sse" \(the deprecated HTTP\+SSE transport/,
    ],
    [
      "unknown type",
      { mcpServers: { a: { type: "grpc", url: "http://h" } } },
      /mcpServers\.a\.type: "grpc": expected http/,
    ],
    ["http type with a command", { mcpServers: { a: { type: "http", command: "x" } } }, /expected stdio/],
    ["bad url", { mcpServers: { a: { url: "not a url" } } }, /mcpServers\.a\.url: "not a url" is not a URL/],
    ["ftp url", { mcpServers: { a: { url: "ftp://h/x" } } }, /expected an http:\/\/ or https:\/\/ URL/],
    ["credentials in the url", { mcpServers: { a: { url: "https://u:p@h/x" } } }, /credentials in the URL/],
    [
      "args not strings",
      { mcpServers: { a: { command: "x", args: [1] } } },
      /mcpServers\.a\.args: expected an array of strings/,
    ],
    [
      "env not strings",
      { mcpServers: { a: { command: "x", env: { A: 1 } } } },
      /mcpServers\.a\.env: expected an object of strings/,
    ],
    ["empty command", { mcpServers: { a: { command: "" } } }, /mcpServers\.a\.command: Required value/],
    [
      "two headers",
      { mcpServers: { a: { url: "http://h", headers: { A: "1", B: "2" } } } },
      /one header at most.*got A, B/,
    ],
    [
      "too many tools",
      { mcpServers: { a: { url: "http://h", includeTools: Array.from({ length: 33 }, (_, i) => `t${i}`) } } },
      /at most 32 tools/,
    ],
    [
      "an underscore",
      { mcpServers: { my_server: { url: "http://h" } } },
      /"my_server" cannot name a backend: .*no '_'.*e\.g\. "my-server"/,
    ],
    [
      "upper case",
      { mcpServers: { GitHub: { url: "http://h" } } },
      /"GitHub" cannot name a backend.*"github"/,
    ],
  ];
  for (const [what, doc, expected] of cases) {
    const text = typeof doc === "string" ? doc : JSON.stringify(doc);
    assert.throws(() => parseMcpServers(text, "servers.json", ENV), expected, what);
  }
});

test("a refused header never shows its value", () => {
  assert.throws(
    () => parse({ mcpServers: { a: { url: "http://h", headers: { A: "secret-1", B: "secret-2" } } } }),
    (err: Error) => !err.message.includes("secret"),
  );
});
