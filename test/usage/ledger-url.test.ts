import * as assert from "node:assert/strict";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { dataHomeOf, parseLedgerUrl, redactPassword } from "../../src/usage/ledger-url.js";

test("sqlite URLs: three slashes or one for an absolute path, none for a path from the working directory", () => {
  assert.deepEqual(parseLedgerUrl("sqlite:///var/lib/aigw/ledger.sqlite"), {
    kind: "sqlite",
    path: "/var/lib/aigw/ledger.sqlite",
  });
  assert.deepEqual(parseLedgerUrl("sqlite:/tmp/l.sqlite"), { kind: "sqlite", path: "/tmp/l.sqlite" });
  assert.deepEqual(parseLedgerUrl("sqlite:data/l.sqlite"), {
    kind: "sqlite",
    path: resolve("data/l.sqlite"),
  });
});

test("a sqlite URL with a host or without a file is refused", () => {
  assert.throws(() => parseLedgerUrl("sqlite://host/l.sqlite"), /has no host/);
  assert.throws(() => parseLedgerUrl("sqlite:"), /names no file/);
  assert.throws(() => parseLedgerUrl("sqlite:///"), /names no file/);
  assert.throws(() => parseLedgerUrl("sqlite:dir/"), /names no file/);
});

test("postgres:// and postgresql:// URLs pass as written", () => {
  const url = "postgres://aigw:secret@db.internal:5432/aigw?sslmode=require";
  assert.deepEqual(parseLedgerUrl(url), { kind: "postgres", url });
  assert.deepEqual(parseLedgerUrl("postgresql://db/aigw"), { kind: "postgres", url: "postgresql://db/aigw" });
  assert.deepEqual(parseLedgerUrl("postgres:///aigw?host=/var/run/postgresql"), {
    kind: "postgres",
    url: "postgres:///aigw?host=/var/run/postgresql",
  });
});

test("anything else is refused, and a password never appears in the message", () => {
  assert.throws(
    () => parseLedgerUrl("mysql://u:hunter2@db/x"),
    (err: Error) => {
      assert.match(err.message, /expected sqlite:PATH, postgres:\/\/\.\.\. or off/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
  assert.throws(() => parseLedgerUrl("ledger.sqlite"), /expected sqlite:PATH/);
  assert.throws(
    () => parseLedgerUrl("postgres://u:hunter2@/x"),
    (err: Error) => {
      assert.match(err.message, /not a valid PostgreSQL URL/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
  assert.equal(redactPassword("postgres://u:hunter2@db/x"), "postgres://u:***@db/x");
  assert.equal(redactPassword("postgres://db/x"), "postgres://db/x");
});

test("the data home is AIGW_DATA_HOME, else ~/.local/share/aigw", () => {
  assert.equal(dataHomeOf({ AIGW_DATA_HOME: "/srv/aigw" }), "/srv/aigw");
  assert.equal(dataHomeOf({ AIGW_DATA_HOME: "rel" }), resolve("rel"));
  assert.equal(dataHomeOf({}), join(homedir(), ".local", "share", "aigw"));
  assert.equal(dataHomeOf({ AIGW_DATA_HOME: "" }), join(homedir(), ".local", "share", "aigw"));
});
