import type { Resource } from "../config/resource.js";
import type { ResourceIndex } from "../config/resource-index.js";
import type { createAwsCredentialInjector } from "./aws/create-aws-credential-injector.js";
import type { createAzureCredentialInjector } from "./azure/create-azure-credential-injector.js";
import type { CredentialInjector } from "./credential-injector.js";
import type { createGcpCredentialInjector } from "./gcp/create-gcp-credential-injector.js";
import { readGcpCredentialSpec } from "./gcp/read-gcp-credential-spec.js";
import { createHeaderCredentialInjector } from "./header-credential-injector.js";

/** Per BackendSecurityPolicy type: the spec field, the upstream header, and the default override header. */
const HEADER_KEY_TYPES: Record<string, { field: string; header: string; prefix: string; override: string }> =
  {
    APIKey: { field: "apiKey", header: "authorization", prefix: "Bearer ", override: "x-aigw-api-key" },
    AnthropicAPIKey: {
      field: "anthropicAPIKey",
      header: "x-api-key",
      prefix: "",
      override: "x-aigw-anthropic-api-key",
    },
    AzureAPIKey: { field: "azureAPIKey", header: "api-key", prefix: "", override: "x-aigw-azure-api-key" },
  };

/**
 * Factories of credential types with heavy dependencies (the AWS signer), loaded only when a
 * configuration uses them (see loadCredentialFactories).
 */
export interface CredentialFactories {
  aws?: typeof createAwsCredentialInjector;
  azure?: typeof createAzureCredentialInjector;
  gcp?: typeof createGcpCredentialInjector;
}

/** Loads the factories the given policy types need. */
export async function loadCredentialFactories(types: ReadonlySet<string>): Promise<CredentialFactories> {
  const factories: CredentialFactories = {};
  if (types.has("AWSCredentials")) {
    factories.aws = (await import("./aws/create-aws-credential-injector.js")).createAwsCredentialInjector;
  }
  if (types.has("AzureCredentials")) {
    factories.azure = (
      await import("./azure/create-azure-credential-injector.js")
    ).createAzureCredentialInjector;
  }
  if (types.has("GCPCredentials")) {
    factories.gcp = (await import("./gcp/create-gcp-credential-injector.js")).createGcpCredentialInjector;
  }
  return factories;
}

/** A policy type that is validated but not implemented yet: requests to its backends fail clearly. */
export class UnsupportedCredentialError extends Error {
  override readonly name = "UnsupportedCredentialError";
}

/**
 * Builds the credential injector for one BackendSecurityPolicy. Secrets are resolved now, at
 * compile time, so a changed Secret takes effect with the next configuration reload.
 * `awsService` is the SigV4 service AWSCredentials sign for (aws-signing-service.ts: the targeted
 * backend's schema decides it); other types ignore it.
 */
export function compileCredentials(
  policy: Resource,
  index: ResourceIndex,
  env: Readonly<Record<string, string | undefined>>,
  factories: CredentialFactories,
  awsService = "bedrock",
): CredentialInjector {
  const spec = policy.spec ?? {};
  const type = String(spec.type ?? "");
  const namespace = policy.metadata.namespace;
  const override = readOverride(spec.credentialOverride);
  const headerType = HEADER_KEY_TYPES[type];
  if (headerType) {
    const field = (spec[headerType.field] ?? {}) as { secretRef?: { name?: string; namespace?: string } };
    const ref = field.secretRef;
    const key = ref?.name ? index.secret(ref.namespace ?? namespace, ref.name)?.apiKey?.trim() : undefined;
    return createHeaderCredentialInjector({
      header: headerType.header,
      prefix: headerType.prefix,
      key,
      overrideHeader: override ? (override.header ?? headerType.override).toLowerCase() : undefined,
      fallbackToConfigured: override?.fallbackToConfigured ?? true,
    });
  }
  if (type === "AWSCredentials" && factories.aws) {
    const aws = (spec.awsCredentials ?? {}) as {
      region?: string;
      credentialsFile?: { secretRef?: { name?: string; namespace?: string }; profile?: string };
    };
    const ref = aws.credentialsFile?.secretRef;
    const file = ref?.name ? index.secret(ref.namespace ?? namespace, ref.name)?.credentials : undefined;
    return factories.aws(
      {
        region: aws.region ?? "",
        service: awsService,
        credentialsFile:
          file === undefined ? undefined : { secret: file, profile: aws.credentialsFile?.profile },
        overrideHeaderPrefix: override?.header,
        overrideEnabled: override !== undefined,
        fallbackToConfigured: override?.fallbackToConfigured ?? true,
      },
      env,
    );
  }
  if (type === "AzureCredentials" && factories.azure) {
    const azure = (spec.azureCredentials ?? {}) as {
      clientID?: string;
      tenantID?: string;
      clientSecretRef?: { name?: string; namespace?: string };
    };
    const ref = azure.clientSecretRef;
    const secret = ref?.name
      ? index.secret(ref.namespace ?? namespace, ref.name)?.["client-secret"]
      : undefined;
    return factories.azure(
      {
        tenantID: azure.tenantID ?? "",
        clientID: azure.clientID ?? "",
        clientSecret: secret?.trim(),
        overrideHeader: override?.header,
        overrideEnabled: override !== undefined,
        fallbackToConfigured: override?.fallbackToConfigured ?? true,
      },
      env,
    );
  }
  if (type === "GCPCredentials" && factories.gcp) {
    return factories.gcp({
      ...readGcpCredentialSpec(spec.gcpCredentials, namespace, index, env),
      overrideHeader: override?.header,
      overrideEnabled: override !== undefined,
      fallbackToConfigured: override?.fallbackToConfigured ?? true,
    });
  }
  return unsupported(type);
}

interface OverrideSpec {
  header?: string;
  fallbackToConfigured?: boolean;
}

function readOverride(value: unknown): OverrideSpec | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const fromHeaders = (value as { fromRequestHeaders?: OverrideSpec }).fromRequestHeaders;
  if (!fromHeaders || typeof fromHeaders !== "object") return undefined;
  return fromHeaders;
}

function unsupported(type: string): CredentialInjector {
  return {
    overrideHeaders: [],
    inject() {
      throw new UnsupportedCredentialError(`BackendSecurityPolicy type ${type} is not supported by aigw yet`);
    },
  };
}
