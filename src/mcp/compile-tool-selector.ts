/** MCPRoute backendRefs[].toolSelector as written. */
export interface ToolSelectorSpec {
  include?: string[];
  includeRegex?: string[];
  exclude?: string[];
  excludeRegex?: string[];
}

/**
 * Compiles a toolSelector into one predicate over a backend's own tool names. Regexes are compiled
 * here, once, and match anywhere in the name (RE2 semantics as upstream: unanchored). A tool an
 * exclude rule names is hidden even when an include rule names it too. No include rule: every tool
 * not excluded is allowed.
 */
export function compileToolSelector(spec: ToolSelectorSpec | undefined): (tool: string) => boolean {
  if (!spec) return () => true;
  const include = nameTest(spec.include, spec.includeRegex);
  const exclude = nameTest(spec.exclude, spec.excludeRegex);
  return (tool) => (include === undefined || include(tool)) && !(exclude?.(tool) ?? false);
}

function nameTest(
  names: readonly string[] | undefined,
  patterns: readonly string[] | undefined,
): ((tool: string) => boolean) | undefined {
  if (names?.length) {
    const set = new Set(names);
    return (tool) => set.has(tool);
  }
  if (patterns?.length) {
    const regexes = patterns.map((p) => new RegExp(p));
    return (tool) => regexes.some((re) => re.test(tool));
  }
  return undefined;
}
