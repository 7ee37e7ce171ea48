/** Links in message text: only http(s), mailto and www., never HTML or other schemes. */
import { describe, expect, it } from 'vitest';
import { linkify } from '../../../src/ui/linkify.js';

const links = (text: string) => linkify(text).filter((p) => typeof p !== 'string');

describe('linkify', () => {
  it('finds https, http, mailto and bare www. links, keeping the text as written', () => {
    expect(linkify('see https://example.org/a?b=1#c and www.example.com, or mail me: mailto:a@b.org.')).toEqual([
      'see ',
      { href: 'https://example.org/a?b=1#c', text: 'https://example.org/a?b=1#c' },
      ' and ',
      { href: 'https://www.example.com/', text: 'www.example.com' },
      ', or mail me: ',
      { href: 'mailto:a@b.org', text: 'mailto:a@b.org' },
      '.',
    ]);
    expect(links('http://localhost:8787/x')).toEqual([{ href: 'http://localhost:8787/x', text: 'http://localhost:8787/x' }]);
  });

  it('keeps balanced brackets and drops sentence punctuation', () => {
    expect(links('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { href: 'https://en.wikipedia.org/wiki/Foo_(bar)', text: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
    ]);
    expect(links('go to https://example.org!')).toEqual([{ href: 'https://example.org/', text: 'https://example.org' }]);
  });

  it('never links other schemes, and text stays text', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://example.org', 'vbscript:msgbox', 'https://', 'http://nodot', 'mailto:nobody']) {
      expect(links(text), text).toEqual([]);
    }
    const html = '<img src=x onerror=alert(1)> https://example.org/<script>';
    const parts = linkify(html);
    expect(parts.map((p) => (typeof p === 'string' ? p : p.text)).join('')).toBe(html);
    expect(links(html)).toEqual([{ href: 'https://example.org/', text: 'https://example.org/' }]);
  });
});
