import { requiredValue } from "../field-error.js";
import { DNS_SUBDOMAIN } from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { anything, array, boolean, has, integer, object, type Self, string } from "./schema.js";

const endpointPort = integer({ minimum: 0, maximum: 65535 });
const IP_ADDRESS =
  "^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$|^(([0-9a-fA-F]{1,4}:){1,7}[0-9a-fA-F]{1,4}|::|(([0-9a-fA-F]{1,4}:){0,5})?(:[0-9a-fA-F]{1,4}){1,2})$";
const WELL_KNOWN_CA =
  "^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$";

const ADDRESS_KINDS = ["fqdn", "ip", "unix"];

const endpoint = object(
  {
    fqdn: object(
      {
        hostname: string({
          minLength: 1,
          maxLength: 253,
          pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\.?$",
        }),
        port: endpointPort,
      },
      { required: ["hostname", "port"] },
    ),
    ip: object(
      { address: string({ minLength: 3, maxLength: 45, pattern: IP_ADDRESS }), port: endpointPort },
      { required: ["address", "port"] },
    ),
    unix: object(
      {
        path: string({
          rules: [
            {
              message: "unix domain socket path must not exceed 108 characters",
              holds: (s) => s.length <= 108,
            },
          ],
        }),
      },
      { required: ["path"] },
    ),
    hostname: string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    zone: string(),
  },
  {
    rules: [
      {
        message: "one of fqdn, ip or unix must be specified",
        holds: (self) => ADDRESS_KINDS.some((k) => has(self, k)),
      },
      {
        message: "only one of fqdn, ip or unix can be specified",
        holds: (self) => ADDRESS_KINDS.filter((k) => has(self, k)).length === 1,
      },
    ],
  },
);

const TLS_VERSION_MIN: Record<string, number> = { Auto: 0, "1.0": 1, "1.1": 2, "1.2": 3, "1.3": 4 };
const TLS_VERSION_MAX: Record<string, number> = { "1.0": 1, "1.1": 2, "1.2": 3, "1.3": 4, Auto: 5 };

const tls = object(
  {
    insecureSkipVerify: boolean,
    sni: string({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    wellKnownCACertificates: string({ minLength: 1, maxLength: 253, pattern: WELL_KNOWN_CA }),
    caCertificateRefs: array(anything, { maxItems: 8 }),
    autoSNIFromEndpointHostname: boolean,
  },
  {
    rules: [
      {
        message: "must not contain both CACertificateRefs and WellKnownCACertificates",
        holds: (s) => !(s.caCertificateRefs?.length > 0 && !!s.wellKnownCACertificates),
      },
      {
        message:
          "must not contain either CACertificateRefs or WellKnownCACertificates when InsecureSkipVerify is enabled",
        holds: (s) =>
          !(
            s.insecureSkipVerify === true &&
            (s.caCertificateRefs?.length > 0 || !!s.wellKnownCACertificates)
          ),
      },
      {
        message: "sni and autoSNIFromEndpointHostname are mutually exclusive",
        holds: (s) => !(has(s, "sni") && s.autoSNIFromEndpointHostname === true),
      },
      {
        message: "setting ciphers has no effect if the minimum possible TLS version is 1.3",
        holds: (s) => !(s.minVersion === "1.3" && has(s, "ciphers")),
      },
      {
        message: "minVersion must be smaller or equal to maxVersion",
        holds: (s) => {
          if (!has(s, "maxVersion")) return true;
          const max = TLS_VERSION_MAX[s.maxVersion];
          const min = has(s, "minVersion") ? TLS_VERSION_MIN[s.minVersion] : 3;
          if (min === undefined || max === undefined) throw new Error("unknown TLS version");
          return min <= max;
        },
      },
    ],
  },
);

const spec = object(
  {
    type: string({ enum: ["Endpoints", "DynamicResolver"] }),
    endpoints: array(endpoint, {
      minItems: 1,
      maxItems: 256,
      rules: [
        {
          message: "fqdn addresses cannot be mixed with other address types",
          holds: (self: Self[]) => self.every((e) => has(e, "fqdn")) || !self.some((e) => has(e, "fqdn")),
        },
      ],
    }),
    appProtocols: array(
      string({
        enum: ["gateway.envoyproxy.io/h2c", "gateway.envoyproxy.io/ws", "gateway.envoyproxy.io/wss"],
      }),
    ),
    tls,
    fallback: boolean,
  },
  {
    rules: [
      {
        message: "DynamicResolver type cannot have endpoints specified",
        holds: (s) => s.type !== "DynamicResolver" || !has(s, "endpoints"),
      },
      {
        message: "DynamicResolver type cannot use autoSNIFromEndpointHostname",
        holds: (s) => s.type !== "DynamicResolver" || s.tls?.autoSNIFromEndpointHostname !== true,
      },
      {
        message: "when autoSNIFromEndpointHostname is enabled, IP and Unix endpoints must define a hostname",
        holds: (s) =>
          s.tls?.autoSNIFromEndpointHostname !== true ||
          (s.endpoints ?? []).every((e: Self) => (!has(e, "ip") && !has(e, "unix")) || has(e, "hostname")),
      },
    ],
  },
);

export const backendValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    // An Endpoints backend without endpoints is accepted by the CRD but has nowhere to send requests.
    const type = r.spec?.type ?? "Endpoints";
    if (type === "Endpoints" && !has(r.spec, "endpoints")) {
      return [`${requiredValue("spec.endpoints")}: a Backend of type Endpoints needs at least one endpoint`];
    }
    return [];
  },
};
