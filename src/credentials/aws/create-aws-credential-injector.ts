import { homedir } from "node:os";
import { join } from "node:path";
import { firstValue } from "../../util/first-value.js";
import type { CredentialInjector, OutgoingRequest } from "../credential-injector.js";
import { MissingCredentialError } from "../missing-credential-error.js";
import type { AwsCredentials } from "./aws-credentials.js";
import { type AwsCredentialChain, awsDefaultChain } from "./aws-default-chain.js";
import { bedrockRegionFromHost } from "./bedrock-region-from-host.js";
import { NoAwsCredentialsError } from "./no-aws-credentials-error.js";
import { parseAwsCredentialsFile } from "./parse-aws-credentials-file.js";
import { sageMakerRegionFromHost } from "./sagemaker-region-from-host.js";
import { SharedCredentialsFile } from "./shared-credentials-file.js";
import { signAwsRequest } from "./sign-aws-request.js";

/** A BackendSecurityPolicy of type AWSCredentials, with its Secret already resolved. */
export interface AwsCredentialSpec {
  /** awsCredentials.region: the signing region unless the upstream host names another one. */
  region: string;
  /** The SigV4 service name: "bedrock" (the default) or "sagemaker", from the backend's schema. */
  service?: string;
  /** awsCredentials.credentialsFile: the Secret's `credentials` content and the profile (default "default"). */
  credentialsFile?: { secret: string; profile?: string };
  /** credentialOverride.fromRequestHeaders.header: a prefix for the three headers; default "x-aigw-aws-". */
  overrideHeaderPrefix?: string;
  /** credentialOverride.fromRequestHeaders is configured. */
  overrideEnabled: boolean;
  /** Without override headers, sign with the configured credentials (upstream default: true). */
  fallbackToConfigured: boolean;
}

/** A credentialsFile whose profile holds no access key pair; a configuration error. */
export class InvalidAwsCredentialsFileError extends Error {
  override readonly name = "InvalidAwsCredentialsFileError";
}

const DEFAULT_OVERRIDE_PREFIX = "x-aigw-aws-";

/**
 * SigV4 signing for AWS backends: Bedrock's runtime, or SageMaker's with `service: "sagemaker"`.
 * Credentials, first found wins:
 * 1. credentialOverride headers `<prefix>access-key-id`, `<prefix>secret-access-key`,
 *    `<prefix>session-token` (never sent upstream);
 * 2. the credentialsFile Secret;
 * 3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
 * 4. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
 *    AWS_PROFILE or "default"), re-read when it changes on disk;
 * 5. only where 2-4 give nothing (so never with a credentialsFile or environment keys): AWS's
 *    default chain (web identity / IRSA, container credentials for ECS and EKS Pod Identity, EC2
 *    instance metadata, SSO, credential_process, assume-role profiles), loaded on first use; when it
 *    fails too, the request fails with NoAwsCredentialsError (401).
 * Sources 3 and 4 read `env`, which is process.env in the gateway and a literal in tests; the
 * default chain always reads process.env itself (it takes only the profile from `env`), so tests
 * that steer it run the gateway as a child process with its own environment, or pass `defaultChain`.
 * inject() signs each attempt anew (fresh x-amz-date, the body of that attempt).
 * Throws InvalidAwsCredentialsFileError when the credentialsFile has no usable profile.
 */
export function createAwsCredentialInjector(
  spec: AwsCredentialSpec,
  env: Readonly<Record<string, string | undefined>>,
  defaultChain: AwsCredentialChain = awsDefaultChain(env.AWS_PROFILE || undefined),
): CredentialInjector {
  const prefix = (spec.overrideHeaderPrefix ?? DEFAULT_OVERRIDE_PREFIX).toLowerCase();
  const accessKeyHeader = `${prefix}access-key-id`;
  const secretKeyHeader = `${prefix}secret-access-key`;
  const sessionTokenHeader = `${prefix}session-token`;
  const configured = configuredCredentials(spec, env);
  // One service per injector (compile-backends builds one per service its targets need), so the
  // signing path reads a constant.
  const service = spec.service ?? "bedrock";
  const regionFromHost = service === "sagemaker" ? sageMakerRegionFromHost : bedrockRegionFromHost;
  // A backend's host is the same on every request: its region is looked up once.
  let lastHost: string | undefined;
  let lastRegion = spec.region;
  const regionOf = (host: string): string => {
    if (host !== lastHost) {
      lastRegion = regionFromHost(host) ?? spec.region;
      lastHost = host;
    }
    return lastRegion;
  };

  return {
    overrideHeaders: spec.overrideEnabled ? [accessKeyHeader, secretKeyHeader, sessionTokenHeader] : [],
    // Synchronous whenever the credentials are at hand (the common case: no promise, no extra
    // turn of the event loop per request); a promise only when AWS's default chain is asked.
    inject(req: OutgoingRequest): void | Promise<void> {
      let credentials: AwsCredentials | undefined;
      if (spec.overrideEnabled) {
        const accessKeyId = header(req, accessKeyHeader);
        const secretAccessKey = header(req, secretKeyHeader);
        const sessionToken = header(req, sessionTokenHeader);
        if (accessKeyId && secretAccessKey) {
          credentials = sessionToken
            ? { accessKeyId, secretAccessKey, sessionToken }
            : { accessKeyId, secretAccessKey };
        } else if (accessKeyId || secretAccessKey || sessionToken) {
          // Part of a credential: signing with the gateway's own identity instead would act for the
          // wrong principal, so this is refused like a missing one.
          throw new MissingCredentialError();
        } else if (!spec.fallbackToConfigured) {
          throw new MissingCredentialError();
        }
      }
      const region = regionOf(req.headers.host ?? req.authority);
      credentials ??= configured();
      if (credentials !== undefined) return signAwsRequest(req, credentials, region, service);
      return fromDefaultChain(defaultChain).then((found) => signAwsRequest(req, found, region, service));
    },
  };
}

/**
 * The configured credential source, resolved now where it is static; undefined from the returned
 * function means "none here", and the caller falls back to AWS's default chain.
 */
function configuredCredentials(
  spec: AwsCredentialSpec,
  env: Readonly<Record<string, string | undefined>>,
): () => AwsCredentials | undefined {
  if (spec.credentialsFile !== undefined) {
    const profile = spec.credentialsFile.profile || "default";
    const fromSecret = parseAwsCredentialsFile(spec.credentialsFile.secret, profile);
    if (fromSecret === undefined) {
      throw new InvalidAwsCredentialsFileError(
        `the AWS credentials file has no profile "${profile}" with aws_access_key_id and aws_secret_access_key`,
      );
    }
    return () => fromSecret;
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN;
    const fromEnv: AwsCredentials = sessionToken
      ? { accessKeyId, secretAccessKey, sessionToken }
      : { accessKeyId, secretAccessKey };
    return () => fromEnv;
  }
  const path = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), ".aws", "credentials");
  const file = new SharedCredentialsFile(path, env.AWS_PROFILE || "default");
  return () => file.current();
}

/** The default chain's credentials, its failure turned into the 401 every missing credential gets. */
async function fromDefaultChain(chain: AwsCredentialChain): Promise<AwsCredentials> {
  try {
    return await chain();
  } catch (err) {
    throw new NoAwsCredentialsError(err);
  }
}

function header(req: OutgoingRequest, name: string): string | undefined {
  return firstValue(req.clientHeaders[name])?.trim() || undefined;
}
