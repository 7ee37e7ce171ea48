/**
 * Strict parsing of the small values API requests carry in query strings and headers.
 * Anything that is not exactly a canonical decimal integer in range is refused, so
 * `after=1e3`, `after=-0`, `after= 5` or a repeated parameter never reach a store.
 */

/** A parse result: the value, or a human reason that never quotes the input. */
export type ParamResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a canonical non-negative decimal integer within `[min, max]`. */
export function parseIntValue(raw: string, name: string, min: number, max: number): ParamResult<number> {
  const n = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return { ok: false, detail: `${name} must be an integer from ${min} to ${max}` };
  return { ok: true, value: n };
}

/**
 * One integer query parameter: absent gives `fallback` (or a refusal when `fallback` is
 * undefined, i.e. required); given twice is refused rather than guessing which one counts.
 */
export function intQueryParam(params: URLSearchParams, name: string, min: number, max: number, fallback?: number): ParamResult<number> {
  const values = params.getAll(name);
  if (values.length > 1) return { ok: false, detail: `${name} must be given at most once` };
  const raw = values[0];
  if (raw === undefined) return fallback === undefined ? { ok: false, detail: `${name} is required` } : { ok: true, value: fallback };
  return parseIntValue(raw, name, min, max);
}

/**
 * One header as a string. Node joins repeats of custom headers with `, ` (and drops
 * repeats of Authorization); an array would only come from a header Node keeps apart, and
 * is joined the same way so that every strict parser here refuses it rather than picking one.
 */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
