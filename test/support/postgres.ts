import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's PostgreSQL (trust authentication); tests make their own database in it. */
const SERVER = "127.0.0.1:5432";
const USERS = ["postgres", "root"];

export interface ThrowawayDatabase {
  /** postgres://user@127.0.0.1:5432/<name> */
  readonly url: string;
  readonly name: string;
  /** postgres://user@<host:port>/<name>: the same database through another address (a proxy). */
  urlVia(hostPort: string): string;
  /** Runs one statement in it (a fresh connection each time). */
  query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
  /** Drops it, ending whatever connections are still open to it. */
  drop(): Promise<void>;
}

let user: string | undefined;

/** A database of its own for one test file, created empty in the machine's PostgreSQL. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `aigw_test_${randomBytes(6).toString("hex")}`;
  await administer(`CREATE DATABASE ${name}`);
  const urlVia = (hostPort: string) => `postgres://${user}@${hostPort}/${name}`;
  return {
    url: urlVia(SERVER),
    name,
    urlVia,
    async query(sql, values) {
      const client = new pg.Client({ connectionString: urlVia(SERVER) });
      await client.connect();
      try {
        return (await client.query(sql, values)).rows;
      } finally {
        await client.end();
      }
    },
    drop: () => administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement in the `test` database, as the first user the server accepts. */
async function administer(sql: string): Promise<void> {
  for (const candidate of user ? [user] : USERS) {
    const client = new pg.Client({ connectionString: `postgres://${candidate}@${SERVER}/test` });
    try {
      await client.connect();
    } catch {
      continue;
    }
    user = candidate;
    try {
      await client.query(sql);
      return;
    } finally {
      await client.end();
    }
  }
  throw new Error(`no PostgreSQL at ${SERVER} accepts ${USERS.join(" or ")}`);
}
