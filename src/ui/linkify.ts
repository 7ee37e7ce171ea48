/**
 * Finds links in message text: `https:`, `http:` and `mailto:` URLs and bare `www.` hosts.
 * Nothing else becomes a link (no `javascript:`, no `data:`), and text stays text: the
 * result is a list of plain strings and link parts that the view renders with Lit, which
 * escapes everything, so no message can inject HTML.
 */

export interface LinkPart {
  /** The address opened (bare `www.` hosts get `https://`). */
  readonly href: string;
  /** The text as written. */
  readonly text: string;
}

export type TextPart = string | LinkPart;

// A candidate: a scheme we allow, or www., up to whitespace or a character that cannot be in a URL.
const CANDIDATE = /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+/giu;
/** Punctuation that ends a sentence rather than a URL ("see https://x.org."). */
const TRAILING = /[.,;:!?…'"»)\]}]+$/u;
const ALLOWED = new Set(['https:', 'http:', 'mailto:']);

/** Splits text into plain strings and links, in order; joining the texts gives the input. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    let raw = match[0];
    raw = trimTrailing(raw);
    const href = toHref(raw);
    if (!href) continue;
    if (start > last) parts.push(text.slice(last, start));
    parts.push({ href, text: raw });
    last = start + raw.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Drops trailing punctuation, but keeps a closing bracket that has its opening one inside. */
function trimTrailing(raw: string): string {
  let out = raw.replace(TRAILING, '');
  const tail = raw.slice(out.length);
  for (const ch of tail) {
    const open = ch === ')' ? '(' : ch === ']' ? '[' : null;
    if (open && count(out, open) > count(out, ch)) out += ch;
    else break;
  }
  return out;
}

const count = (s: string, ch: string): number => s.split(ch).length - 1;

function toHref(raw: string): string | null {
  const candidate = /^www\./iu.test(raw) ? `https://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (!ALLOWED.has(url.protocol)) return null;
  if (url.protocol === 'mailto:') return /^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/iu.test(candidate) ? candidate : null;
  // A host is required, with a dot or "localhost" (http://foo is more likely a typo than a link).
  if (!url.hostname || !(url.hostname.includes('.') || url.hostname === 'localhost')) return null;
  return url.href;
}
