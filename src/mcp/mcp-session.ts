import type { SessionSealer } from "./session-sealer.js";

/** One backend's part of a client session. */
export interface BackendSession {
  /** backendRefs[].name. */
  readonly name: string;
  /** The upstream's Mcp-Session-Id; undefined for a stateless upstream. */
  readonly sessionId: string | undefined;
  /** The protocol version the upstream negotiated (sent as its MCP-Protocol-Version). */
  readonly version: string;
  /** CAPABILITY bits of what it offers, so lists fan out only to backends that have the feature. */
  readonly caps: number;
}

/**
 * A client session: everything a replica needs to serve it, carried by the client in its
 * Mcp-Session-Id (sealed), so no replica stores anything.
 */
export interface McpSession {
  /** "namespace/name" of the MCPRoute that minted it. */
  readonly route: string;
  /** The caller it is bound to (McpCaller.subject); undefined for anonymous callers. */
  readonly subject: string | undefined;
  /** The protocol version negotiated with the client. */
  readonly version: string;
  readonly backends: readonly BackendSession[];
}

export const CAPABILITY = {
  tools: 1,
  prompts: 2,
  resources: 4,
  logging: 8,
  completions: 16,
} as const;

const PURPOSE = "session";

interface SealedForm {
  r: string;
  s?: string;
  v: string;
  b: [name: string, sessionId: string | null, version: string, caps: number][];
}

/** The client's Mcp-Session-Id for a session: compact JSON, sealed (visible ASCII, base64url). */
export function sealSession(sealer: SessionSealer, session: McpSession): string {
  const form: SealedForm = {
    r: session.route,
    v: session.version,
    b: session.backends.map((b) => [b.name, b.sessionId ?? null, b.version, b.caps]),
  };
  if (session.subject !== undefined) form.s = session.subject;
  return sealer.seal(PURPOSE, JSON.stringify(form));
}

/** The session an Mcp-Session-Id carries; undefined when it is forged, altered or malformed. */
export function openSession(sealer: SessionSealer, id: string): McpSession | undefined {
  const text = sealer.open(PURPOSE, id);
  if (text === undefined) return undefined;
  try {
    const form = JSON.parse(text) as SealedForm;
    return {
      route: form.r,
      subject: form.s,
      version: form.v,
      backends: form.b.map(([name, sessionId, version, caps]) => ({
        name,
        sessionId: sessionId ?? undefined,
        version,
        caps,
      })),
    };
  } catch {
    return undefined;
  }
}
