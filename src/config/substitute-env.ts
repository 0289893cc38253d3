/**
 * envsubst-style substitution as upstream `aigw run` does it: `${VAR}` becomes the variable's value
 * (empty when unset) and `${VAR:=default}` falls back to the default when the variable is unset or
 * empty. `$$` is not special; a bare `$NAME` is left alone so YAML containing shell snippets survives.
 */
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=([^}]*))?\}/g;

export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    return fallback ?? "";
  });
}
