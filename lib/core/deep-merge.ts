/** True for a plain object (`{}` or `Object.create(null)`), not an array, null, class instance or function. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep-merges `override` over `base` the way Helm merges values files: maps merge key by key,
 * while lists, scalars and null replace what was there. Neither input is modified.
 * An `undefined` in the override leaves the base value in place; a `null` is kept, which is how a
 * Helm values file removes a chart default.
 * @see https://helm.sh/docs/chart_template_guide/values_files/#deleting-a-default-key
 */
export function deepMerge<T extends object>(base: T, override: Readonly<Record<string, unknown>>): T {
  return mergeValue(base, override) as T;
}

function mergeValue(base: unknown, override: unknown): unknown {
  if (override === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return clone(override);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) out[key] = clone(value);
  for (const [key, value] of Object.entries(override)) {
    // A "__proto__" key (from JSON.parse) would otherwise set the result's prototype.
    if (key === "__proto__") continue;
    out[key] = mergeValue(out[key], value);
  }
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return mergeValue({}, value);
  return value;
}
