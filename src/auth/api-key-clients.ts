import { parseClientHeaders } from "./client-headers-annotation.js";

/** One API-key consumer: who it is, its key, and the headers its requests carry once verified. */
export interface ApiKeyClient {
  readonly clientId: string;
  readonly key: string;
  /** From the credential Secret's aigw/client-headers annotation. */
  readonly headers: readonly (readonly [string, string])[];
}

/** A credential Secret of `apiKeyAuth.credentialRefs`, decoded. */
export interface CredentialSecret {
  /** "namespace/name", for messages. */
  readonly name: string;
  /** Client id -> API key. */
  readonly data: Readonly<Record<string, string>>;
  /** The aigw/client-headers annotation's text, if the Secret has one. */
  readonly clientHeaders: string | undefined;
}

/**
 * The consumers of `credentialRefs`, as Envoy Gateway reads them: Secret by Secret in reference
 * order, client ids sorted within each; a client id already seen keeps its first key; two clients
 * with the same key are an error ("duplicated API key"). Keys are trimmed; an empty key (an unset
 * `${VAR}`) admits no one and is left out. Throws an Error naming the Secret; messages never contain a key.
 */
export function collectApiKeyClients(secrets: readonly CredentialSecret[]): ApiKeyClient[] {
  const clients: ApiKeyClient[] = [];
  const byKey = new Map<string, string>();
  const seen = new Set<string>();
  for (const secret of secrets) {
    let headers: ReturnType<typeof parseClientHeaders>;
    try {
      headers = parseClientHeaders(secret.clientHeaders ?? "");
    } catch (err) {
      throw new Error(`Secret ${secret.name}: annotation aigw/client-headers: ${(err as Error).message}`);
    }
    for (const client of headers.keys()) {
      if (!(client in secret.data)) {
        throw new Error(
          `Secret ${secret.name}: annotation aigw/client-headers names client ${client}, which is not a key of the Secret`,
        );
      }
    }
    for (const clientId of Object.keys(secret.data).sort()) {
      // A header value never ends in whitespace (Node trims it), so neither may a key: a Secret
      // written with `echo key | base64` holds a trailing newline.
      const key = (secret.data[clientId] ?? "").trim();
      if (seen.has(clientId) || key === "") continue;
      const other = byKey.get(key);
      if (other !== undefined) {
        throw new Error(`Secret ${secret.name}: duplicated API key: clients ${other} and ${clientId}`);
      }
      seen.add(clientId);
      byKey.set(key, clientId);
      clients.push({ clientId, key, headers: headers.get(clientId) ?? [] });
    }
  }
  return clients;
}
