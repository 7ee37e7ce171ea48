/**
 * Row group 6: the JavaScript a first visit must download before the app can start — the
 * entry script of the built index.html plus its modulepreloads, not chunks imported lazily
 * later — gzipped with node:zlib's default level. Baseline: the minimal y-webrtc + Yjs chat
 * of the latency row (bench/fixtures/y-webrtc-chat.ts), built by the same Vite and minifier.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleFixture } from './bundle.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { formatRatio } from './stats.js';

const METRIC = 'Initial JS size (gzip)';
const GOAL = '≤ 100 KB';
const LIMIT = 100_000;

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
const gzipped = (code: string | Buffer): number => gzipSync(code).byteLength;

/** Script URLs index.html loads at start: module entry scripts and modulepreloads. */
export function initialScripts(indexHtml: string): string[] {
  const urls = new Set<string>();
  for (const tag of indexHtml.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const isEntry = tag.startsWith('<script') && /\btype=["']module["']/.test(tag);
    const isPreload = tag.startsWith('<link') && /\brel=["']modulepreload["']/.test(tag);
    const url = /\b(?:src|href)=["']([^"']+)["']/.exec(tag)?.[1];
    if ((isEntry || isPreload) && url) urls.add(url);
  }
  return [...urls];
}

export const bundleSizeGroup: BenchGroup = {
  name: 'bundle-size',
  rows: [{ metric: METRIC, goal: GOAL }],
  needsApp: true,
  needsQuiet: false,
  timeoutMs: 2 * 60_000,
  async run(ctx) {
    const scripts = initialScripts(await readFile(path.join(ctx.appDir, 'index.html'), 'utf8'));
    if (scripts.length === 0) throw new Error('index.html loads no module script');
    let initial = 0;
    for (const url of scripts) {
      const file = path.join(ctx.appDir, new URL(url, 'http://app/').pathname);
      const size = gzipped(await readFile(file));
      progress(`  Parley loads ${url} at start: ${kB(size)} gzip`);
      initial += size;
    }
    const initialNames = new Set(scripts.map((u) => path.basename(u)));
    const lazy = (await readdir(path.join(ctx.appDir, 'assets'))).filter((f) => f.endsWith('.js') && !initialNames.has(f));
    const lazySizes: string[] = [];
    for (const name of lazy) lazySizes.push(`${name} ${kB(gzipped(await readFile(path.join(ctx.appDir, 'assets', name))))}`);
    progress(`  ${lazy.length} lazily imported chunk(s) left out${lazy.length > 0 ? `: ${lazySizes.join(', ')}` : ''}`);

    const baseline = gzipped(await bundleFixture('bench/fixtures/y-webrtc-chat.ts', 'benchChat'));
    progress(`  y-webrtc + Yjs chat bundle: ${kB(baseline)} gzip`);
    return [
      {
        metric: METRIC,
        parley: kB(initial),
        baseline: kB(baseline),
        ratio: formatRatio(initial, baseline),
        goal: GOAL,
        met: initial <= LIMIT,
        note:
          'Parley: the entry script of the built index.html plus its modulepreloads (lazily imported chunks excluded), each gzipped with node:zlib’s default level; 1 kB = 1,000 bytes. ' +
          'Baseline: the latency row’s minimal y-webrtc + Yjs chat page script, minified by the same Vite build.',
      },
    ];
  },
};
