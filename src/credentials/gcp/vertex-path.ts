/**
 * The Vertex AI path of a translator's path: translators of GCP schemas emit
 * "/publishers/<publisher>/models/<model>:<method>", and the project and region of the credential
 * policy decide where in Vertex it runs.
 */
export function vertexPath(projectName: string, region: string, translatorPath: string): string {
  return `/v1/projects/${encodeURIComponent(projectName)}/locations/${encodeURIComponent(region)}${translatorPath}`;
}

/** Vertex's regional host for a region; the "global" location has no region prefix. */
export function defaultVertexHost(region: string): string {
  return region === "global" ? "aiplatform.googleapis.com" : `${region}-aiplatform.googleapis.com`;
}
