import { type Resource, UNNAMED_KIND } from "../resource.js";
import { invalidField, tooLong, wrongType } from "./schema-messages.js";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** metadata.name must be a DNS subdomain and metadata.namespace a DNS label, as for every kind we read. */
export function validateMetadata(r: Resource): string[] {
  const out: string[] = [];
  const { name, namespace } = r.metadata;
  // An unnamed EndpointPickerConfig has no name to check.
  const unnamed = name === "" && r.kind === UNNAMED_KIND;
  if (!unnamed && name.length > 253) out.push(tooLong("metadata.name", 253));
  else if (!unnamed && !SUBDOMAIN.test(name))
    out.push(invalidField("metadata.name", name, SUBDOMAIN_MESSAGE));
  if (namespace !== undefined && namespace !== null) {
    if (typeof namespace !== "string") out.push(wrongType("metadata.namespace", typeof namespace, "string"));
    else if (namespace.length > 63) out.push(tooLong("metadata.namespace", 63));
    else if (!LABEL.test(namespace)) out.push(invalidField("metadata.namespace", namespace, LABEL_MESSAGE));
  }
  return out;
}
