import type { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentials } from "./aws-credentials.js";

/** Credentials from AWS's default chain; rejects with the chain's own error when it finds none. */
export type AwsCredentialChain = () => Promise<AwsCredentials>;

/**
 * One provider per profile for the whole process: the SDK caches temporary credentials inside it and
 * refreshes them five minutes before they expire, so it must outlive a request and a configuration
 * reload (which builds new injectors).
 */
const providers = new Map<string, Promise<ReturnType<typeof defaultProvider>>>();

/**
 * AWS's own default credential chain (`@aws-sdk/credential-provider-node`): environment keys, SSO,
 * the shared config and credentials files (assume-role, credential_process, SSO profiles), web
 * identity (IRSA), container credentials (ECS, EKS Pod Identity) and EC2 instance metadata.
 *
 * The package (and the STS and HTTP clients it brings) is imported only when the returned function is
 * first called, so a gateway whose credentials are static keys never pays for it: importing it and
 * running the chain once took 60-90 ms and about 12 MB of resident memory when this was written. The
 * chain reads `process.env` and the files it names itself; only the profile is passed in, so that it
 * names the same profile as the injector's own shared-file lookup.
 */
export function awsDefaultChain(profile: string | undefined): AwsCredentialChain {
  const key = profile ?? "";
  return async () => {
    let provider = providers.get(key);
    if (provider === undefined) {
      provider = import("@aws-sdk/credential-provider-node").then(({ defaultProvider }) =>
        defaultProvider(profile === undefined ? {} : { profile }),
      );
      providers.set(key, provider);
    }
    // The SDK's identity has the fields AwsCredentials has (plus expiration and the like): passed on as
    // it is, so that no object is built per request.
    return (await provider)();
  };
}
