/**
 * The region in a SageMaker runtime host name: runtime.sagemaker.us-east-1.amazonaws.com,
 * runtime-fips.sagemaker.us-east-1.amazonaws.com, a VPC endpoint's
 * vpce-0abc.runtime.sagemaker.us-east-1.vpce.amazonaws.com and the China partition's
 * runtime.sagemaker.cn-north-1.amazonaws.com.cn all give the region. The anchors reject look-alikes.
 */
const SAGEMAKER_HOST =
  /(?:^|\.)runtime(?:-fips)?\.sagemaker\.([a-z0-9-]+)\.(?:vpce\.amazonaws\.com|amazonaws\.com|amazonaws\.com\.cn)$/;

export function sageMakerRegionFromHost(host: string): string | undefined {
  const colon = host.lastIndexOf(":");
  const name = colon === -1 ? host : host.slice(0, colon);
  return SAGEMAKER_HOST.exec(name.toLowerCase())?.[1];
}
