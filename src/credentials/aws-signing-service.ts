/**
 * The SigV4 service name a backend's requests are signed for, by its schema: SageMaker's runtime
 * signs as `sagemaker`, every other AWS schema (Bedrock's runtime: AWSBedrock, AWSAnthropic) as
 * `bedrock`. Decided when the configuration is compiled, so signing reads no schema per request.
 */
export function awsSigningService(schemaName: string | undefined): string {
  return schemaName === "aigw/AWSSageMaker" ? "sagemaker" : "bedrock";
}
