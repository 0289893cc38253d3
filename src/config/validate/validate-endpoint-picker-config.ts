import { pickerSettingsOf } from "../compile-picker-settings.js";
import type { Resource } from "../resource.js";
import { duration } from "./common-schemas.js";
import { entries, type KindValidator } from "./kind-validator.js";
import { anything, array, integer, number, object, string } from "./schema.js";
import { invalidField } from "./schema-messages.js";
import { validateSchema } from "./validate-schema.js";

/**
 * EndpointPickerConfig (`llm-d.ai/v1alpha1`, formerly `inference.networking.x-k8s.io/v1alpha1`), the
 * endpoint picker's own configuration file: its sections sit at the top level, beside apiVersion
 * and kind, and the file usually has no metadata (load-config-files.ts lets it go unnamed).
 */
const config = object({
  plugins: array(
    object(
      { name: string({ minLength: 1 }), type: string({ minLength: 1 }), parameters: anything },
      { required: ["type"] },
    ),
  ),
  schedulingProfiles: array(
    object(
      {
        name: string({ minLength: 1 }),
        plugins: array(
          object(
            { pluginRef: string({ minLength: 1 }), weight: integer({ minimum: 0 }) },
            { required: ["pluginRef"] },
          ),
        ),
      },
      { required: ["name"] },
    ),
    { mapKeys: ["name"] },
  ),
  saturationDetector: object({
    queueDepthThreshold: integer({ minimum: 0 }),
    kvCacheUtilThreshold: number({ minimum: 0, maximum: 1 }),
    metricsStalenessThreshold: duration,
  }),
  featureGates: array(string()),
  dataLayer: anything,
});

export const endpointPickerConfigValidator: KindValidator = {
  schema(r: Resource) {
    const out: string[] = [];
    validateSchema(r, config, "", out);
    return out;
  },
  /** A profile naming a plugin the file does not declare, or two plugins of one name, cannot be run. */
  semantics(r: Resource) {
    const out: string[] = [];
    const file = r as unknown as Record<string, unknown>;
    const seen = new Set<string>();
    for (const [i, plugin] of entries(file.plugins)) {
      const pluginName = String(plugin.name ?? plugin.type);
      if (seen.has(pluginName)) {
        out.push(
          invalidField(
            `plugins[${i}].name`,
            pluginName,
            "plugin names must be unique (the name defaults to the type)",
          ),
        );
      }
      seen.add(pluginName);
    }
    for (const [i, profile] of entries(file.schedulingProfiles)) {
      for (const [j, ref] of entries(profile.plugins)) {
        if (typeof ref.pluginRef === "string" && !seen.has(ref.pluginRef)) {
          const path = `schedulingProfiles[${i}].plugins[${j}].pluginRef`;
          out.push(invalidField(path, ref.pluginRef, "no plugin of this name in plugins"));
        }
      }
    }
    return out;
  },
  warnings: (r) => pickerSettingsOf(r).warnings,
};
