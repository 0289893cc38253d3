import { DNS_SUBDOMAIN, group, hostname, kind, name, policyTargetReference } from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { array, has, object, type Self, string } from "./schema.js";

const WELL_KNOWN_CA =
  "^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$";

const noSection = (ref: Self) => !has(ref, "sectionName") || ref.sectionName === "";
const sameTarget = (a: Self, b: Self) => a.group === b.group && a.kind === b.kind && a.name === b.name;

const targetRefs = array(policyTargetReference, {
  minItems: 1,
  maxItems: 16,
  rules: [
    {
      message:
        "sectionName must be specified when targetRefs includes 2 or more references to the same target",
      holds: (self: Self[]) =>
        self.every((p1) => self.every((p2) => !sameTarget(p1, p2) || noSection(p1) === noSection(p2))),
    },
    {
      message: "sectionName must be unique when targetRefs includes 2 or more references to the same target",
      holds: (self: Self[]) =>
        self.every(
          (p1) =>
            self.filter(
              (p2) =>
                sameTarget(p1, p2) &&
                ((noSection(p1) && noSection(p2)) ||
                  (has(p1, "sectionName") && has(p2, "sectionName") && p1.sectionName === p2.sectionName)),
            ).length === 1,
        ),
    },
  ],
});

const subjectAltName = object(
  { type: string({ enum: ["Hostname", "URI"] }), hostname, uri: string({ minLength: 1, maxLength: 253 }) },
  {
    required: ["type"],
    rules: [
      {
        message: "SubjectAltName element must contain Hostname, if Type is set to Hostname",
        holds: (s) => !(s.type === "Hostname" && !s.hostname),
      },
      {
        message: "SubjectAltName element must not contain Hostname, if Type is not set to Hostname",
        holds: (s) => !(s.type !== "Hostname" && !!s.hostname),
      },
      {
        message: "SubjectAltName element must contain URI, if Type is set to URI",
        holds: (s) => !(s.type === "URI" && !s.uri),
      },
      {
        message: "SubjectAltName element must not contain URI, if Type is not set to URI",
        holds: (s) => !(s.type !== "URI" && !!s.uri),
      },
    ],
  },
);

const validation = object(
  {
    hostname: string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    wellKnownCACertificates: string({ minLength: 1, maxLength: 253, pattern: WELL_KNOWN_CA }),
    caCertificateRefs: array(object({ group, kind, name }, { required: ["group", "kind", "name"] }), {
      maxItems: 8,
    }),
    subjectAltNames: array(subjectAltName, { maxItems: 5 }),
  },
  {
    required: ["hostname"],
    rules: [
      {
        message: "must not contain both CACertificateRefs and WellKnownCACertificates",
        holds: (s) => !(s.caCertificateRefs?.length > 0 && !!s.wellKnownCACertificates),
      },
      {
        message: "must specify either CACertificateRefs or WellKnownCACertificates",
        holds: (s) => s.caCertificateRefs?.length > 0 || !!s.wellKnownCACertificates,
      },
    ],
  },
);

const spec = object(
  { targetRefs, validation, options: object({}, { values: string({ maxLength: 4096 }), maxProperties: 16 }) },
  { required: ["targetRefs", "validation"] },
);

export const backendTLSPolicyValidator: KindValidator = { schema: (r) => checkSpec(r, spec) };
