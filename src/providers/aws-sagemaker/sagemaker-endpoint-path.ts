import { InvalidRequestError } from "../translator.js";

/** SageMaker's rule for endpoint names: letters, digits and inner hyphens, at most 63 characters. */
const ENDPOINT_NAME = /^[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}$/;

/**
 * The InvokeEndpoint path for an endpoint, `/endpoints/<name>/invocations`, or
 * InvokeEndpointWithResponseStream's `/endpoints/<name>/invocations-response-stream` for a stream.
 * The name is the request model (modelNameOverride or the client's). One that SageMaker cannot name
 * an endpoint is refused with 422 here rather than sent to fail there: the name needs no escaping
 * and the signature's canonical path is then the path as sent.
 */
export function sageMakerEndpointPath(endpoint: string, stream: boolean): string {
  if (endpoint.length > 63 || !ENDPOINT_NAME.test(endpoint)) {
    throw new InvalidRequestError(
      `model ${JSON.stringify(endpoint.slice(0, 80))} is not a SageMaker endpoint name (letters, digits and hyphens, at most 63); set modelNameOverride to the endpoint's name`,
    );
  }
  return `/endpoints/${endpoint}/${stream ? "invocations-response-stream" : "invocations"}`;
}
