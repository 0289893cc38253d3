import { llmRequestCost } from "./common-schemas.js";
import { checkSpec, type KindValidator } from "./kind-validator.js";
import { array, has, object, string } from "./schema.js";
import { invalidField } from "./schema-messages.js";
import { checkCosts } from "./semantic-checks.js";

const IMAGE = /^[a-zA-Z0-9._-]+(:[0-9]+)?(\/[a-zA-Z0-9._/-]+)?(:[a-zA-Z0-9._-]+)?(@sha256:[a-z0-9]+)?$/;
const IMAGE_REPOSITORY = /^[a-zA-Z0-9._-]+(:[0-9]+)?[a-zA-Z0-9._/-]+$/;

/** extProc.kubernetes is Envoy Gateway's container spec; only its CEL rules matter to us. */
const extProcKubernetes = object(
  {
    image: string({
      rules: [
        {
          message: "Image must include a tag and allowed characters only (e.g., 'repo:tag').",
          holds: (self) => IMAGE.test(self),
        },
      ],
    }),
    imageRepository: string({
      rules: [
        {
          message: "ImageRepository must contain only allowed characters and must not include a tag.",
          holds: (self) => IMAGE_REPOSITORY.test(self),
        },
      ],
    }),
  },
  {
    rules: [
      {
        message: "Either image or imageRepository can be set.",
        holds: (self) => !has(self, "image") || !has(self, "imageRepository"),
      },
    ],
  },
);

const spec = object({
  extProc: object({ kubernetes: extProcKubernetes }),
  globalLLMRequestCosts: array(llmRequestCost, { mapKeys: ["metadataKey"] }),
  forwardProxy: object({ address: string({ minLength: 1 }) }, { required: ["address"] }),
});

/** host:port, with a port number in range (an IPv6 host in brackets). */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:\s/[\]]+):([0-9]{1,5})$/;

export const gatewayConfigValidator: KindValidator = {
  schema: (r) => checkSpec(r, spec),
  semantics(r) {
    const out: string[] = [];
    checkCosts(r.spec?.globalLLMRequestCosts, "spec.globalLLMRequestCosts", out);
    const address = (r.spec?.forwardProxy as { address?: unknown } | undefined)?.address;
    if (typeof address === "string" && address !== "") {
      const port = Number(HOST_PORT.exec(address)?.[2] ?? 0);
      if (port < 1 || port > 65535)
        out.push(invalidField("spec.forwardProxy.address", address, "must be host:port"));
    }
    return out;
  },
};
