import { formatFieldError } from "../config/field-error.js";
import { ConfigLoadError, loadConfigFiles } from "../config/load-config-files.js";
import { validateResources } from "../config/validate/validate-resources.js";

/**
 * `aigw validate FILE|DIR...`: the same checks `run` makes, without serving. Prints each problem
 * in Kubernetes style and exits 1 when there is any; kinds a standalone gateway ignores are listed.
 */
export async function runValidateCommand(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write("usage: aigw validate FILE|DIR...\n");
    return 2;
  }
  try {
    const resources = await loadConfigFiles(argv, process.env);
    const { errors, warnings, ignored } = validateResources(resources);
    for (const i of ignored) process.stdout.write(`ignored: ${i}\n`);
    for (const w of warnings) process.stderr.write(`warning: ${formatFieldError(w)}\n`);
    for (const e of errors) process.stderr.write(`${formatFieldError(e)}\n`);
    if (errors.length > 0) {
      process.stderr.write(`${errors.length} error(s)\n`);
      return 1;
    }
    process.stdout.write(`valid: ${resources.length} object(s) in ${argv.join(", ")}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigLoadError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
