import { requiredValue } from "../field-error.js";
import { DNS_SUBDOMAIN, hostname, port, secretReference } from "./common-schemas.js";
import { checkSpec, entries, type KindValidator } from "./kind-validator.js";
import { anything, array, has, object, type Self, string } from "./schema.js";
import { invalidField } from "./schema-messages.js";

const PROTOCOL =
  "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$";

const listenerTLS = object(
  {
    mode: string({ enum: ["Terminate", "Passthrough"] }),
    certificateRefs: array(secretReference, { maxItems: 64 }),
    options: object({}, { values: string({ maxLength: 4096 }), maxProperties: 16 }),
  },
  {
    rules: [
      {
        message: "certificateRefs or options must be specified when mode is Terminate",
        holds: (self) =>
          (self.mode ?? "Terminate") !== "Terminate" ||
          self.certificateRefs?.length > 0 ||
          Object.keys(self.options ?? {}).length > 0,
      },
    ],
  },
);

const listener = object(
  {
    name: string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    hostname,
    port,
    protocol: string({ minLength: 1, maxLength: 255, pattern: PROTOCOL }),
    tls: listenerTLS,
    allowedRoutes: anything,
  },
  { required: ["name", "port", "protocol"] },
);

const sameHostname = (a: Self, b: Self) =>
  has(a, "hostname") && has(b, "hostname")
    ? a.hostname === b.hostname
    : !has(a, "hostname") && !has(b, "hostname");

const listeners = array(listener, {
  minItems: 1,
  maxItems: 64,
  mapKeys: ["name"],
  rules: [
    {
      message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      holds: (self: Self[]) =>
        self.every((l) => !["HTTP", "TCP", "UDP"].includes(l.protocol) || !has(l, "tls")),
    },
    {
      message: "tls mode must be Terminate for protocol HTTPS",
      holds: (self: Self[]) =>
        self.every(
          (l) =>
            !(l.protocol === "HTTPS" && has(l, "tls")) || [undefined, "", "Terminate"].includes(l.tls.mode),
        ),
    },
    {
      message: "tls mode must be set for protocol TLS",
      holds: (self: Self[]) => self.every((l) => l.protocol !== "TLS" || (has(l, "tls") && !!l.tls.mode)),
    },
    {
      message: "hostname must not be specified for protocols ['TCP', 'UDP']",
      holds: (self: Self[]) => self.every((l) => !["TCP", "UDP"].includes(l.protocol) || !l.hostname),
    },
    {
      message: "Listener name must be unique within the Gateway",
      holds: (self: Self[]) => self.every((l1) => self.filter((l2) => l1.name === l2.name).length === 1),
    },
    {
      message: "Combination of port, protocol and hostname must be unique for each listener",
      holds: (self: Self[]) =>
        self.every(
          (l1) =>
            self.filter((l2) => l1.port === l2.port && l1.protocol === l2.protocol && sameHostname(l1, l2))
              .length === 1,
        ),
    },
  ],
});

const spec = object(
  {
    gatewayClassName: string({ minLength: 1, maxLength: 253 }),
    listeners,
    addresses: anything,
    infrastructure: anything,
  },
  { required: ["gatewayClassName", "listeners"] },
);

/** Listener protocols a standalone gateway serves. */
const SERVED_PROTOCOLS = ["HTTP", "HTTPS"];

export const gatewayValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    for (const [i, l] of entries(r.spec?.listeners)) {
      const tls = l.tls as { certificateRefs?: unknown[] } | undefined;
      if (l.protocol === "HTTPS" && !(tls?.certificateRefs && tls.certificateRefs.length > 0)) {
        out.push(
          `${requiredValue(`spec.listeners[${i}].tls.certificateRefs`)}: an HTTPS listener needs a certificate`,
        );
      }
    }
    return out;
  },
  warnings(r) {
    const out: string[] = [];
    for (const [i, l] of entries(r.spec?.listeners)) {
      if (typeof l.protocol === "string" && !SERVED_PROTOCOLS.includes(l.protocol)) {
        out.push(
          invalidField(
            `spec.listeners[${i}].protocol`,
            l.protocol,
            "aigw serves HTTP and HTTPS listeners only",
          ),
        );
      }
    }
    return out;
  },
};
