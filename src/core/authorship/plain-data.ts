/**
 * Values from peers must be plain data before anything reads them. lib0 decodes an object
 * key `__proto__` by assignment, which sets the prototype: a field would then *read* as
 * present while signatures and re-encodings (own keys only) leave it out, and peers would
 * disagree about what a value says. Only ordinary objects, arrays and primitives pass.
 */
const MAX_DEPTH = 8;

export function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype && value.every((v) => isPlainData(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return false;
    if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
