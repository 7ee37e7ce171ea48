/**
 * What the first visit downloads before the app starts (docs/architecture.md §11, "Loaded on
 * first use"; README row 7): the entry script of the built index.html and its
 * modulepreloads, the same list `npm run bench -- bundle-size` measures. Their source maps
 * name every module they hold, so this checks the modules, not the sizes: the parts loaded on
 * first use must not be pulled back into the entry by a new static import. And every chunk
 * those parts live in must be precached by the service worker, or they would not load with
 * no network. Reads the build the e2e setup made (`tests/helpers/build-app.ts`).
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialScripts } from '../../bench/bundle-size.js';

const DIST = path.resolve('dist');

/** Modules (paths from the repository's root, or a prefix of them) loaded on first use only. */
const LOADED_LATER = [
  'src/ui/views/conversation-view.ts',
  'src/ui/components/',
  'src/client/files/',
  'src/net/files/',
  'src/net/relay/',
  'src/net/simple-peer-transport.ts',
  'node_modules/@lit-labs/virtualizer/',
  'node_modules/thumbhash/',
  'node_modules/workbox-window/',
  'node_modules/emoji-picker-element/',
  'node_modules/qrcode/',
  'node_modules/file-type/',
  'node_modules/simple-peer/',
];

/** The modules a built script holds, from its source map, as paths from the repository's root. */
async function modulesOf(script: string): Promise<string[]> {
  const file = path.join(DIST, new URL(script, 'http://app/').pathname);
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[]; sourceRoot?: string };
  return map.sources.map((source) => path.relative(path.resolve('.'), path.resolve(path.dirname(file), map.sourceRoot ?? '', source)));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(DIST, path.join(e.parentPath, e.name)));
}

describe('the start-up scripts', () => {
  it('hold the first screen and none of the parts loaded on first use', async () => {
    const scripts = initialScripts(await readFile(path.join(DIST, 'index.html'), 'utf8'));
    const modules = (await Promise.all(scripts.map(modulesOf))).flat();
    // The first screen is there (so the check below cannot pass on an empty list).
    expect(modules).toContain('src/main.ts');
    expect(modules).toContain('src/ui/app-shell.ts');
    expect(modules).toContain('src/ui/views/sidebar-view.ts');
    expect(modules.filter((m) => LOADED_LATER.some((later) => m.startsWith(later)))).toEqual([]);
  });

  it('leave every other script to the service worker’s precache, so each loads with no network', async () => {
    const scripts = (await filesUnder(path.join(DIST, 'assets'))).filter((f) => f.endsWith('.js'));
    const worker = await readFile(path.join(DIST, 'sw.js'), 'utf8');
    expect(scripts.some((f) => /conversation-view-.*\.js$/.test(f))).toBe(true);
    expect(scripts.filter((f) => !worker.includes(`"${f.split(path.sep).join('/')}"`))).toEqual([]);
  });
});
