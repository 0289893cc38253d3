import type { RequestListener } from "./request-record.js";

export interface GatewayOptions {
  /** Configuration files or directories. Exactly one of configPaths / configText / resources-from-env applies. */
  configPaths?: string[];
  /** Configuration as YAML text (tests, autoconfig). */
  configText?: string;
  /** Environment for ${VAR} substitution and autoconfig; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the Gateway listener port (0 = any free port). */
  port?: number;
  /** Bind address for both listeners; default "0.0.0.0" for the data plane, "127.0.0.1" in tests. */
  host?: string;
  /** Admin listener port (/health, /ready); default 1064; 0 = any free port. */
  adminPort?: number;
  /** Watch configPaths and reload on change (default true for configPaths). */
  watch?: boolean;
  /** Called once for every finished request. */
  onRequest?: RequestListener;
  /** Access log destination; default stdout JSON lines. `false` turns it off. */
  accessLog?: ((line: string) => void) | false;
  /** Diagnostic log; default stderr. */
  log?: (line: string) => void;
}

export interface RunningGateway {
  /** "http://127.0.0.1:<port>" (or https). */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  /** Generation of the snapshot currently serving. */
  generation(): number;
  /** Re-reads the configuration; resolves with the error text when the new config is rejected. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  close(): Promise<void>;
}
