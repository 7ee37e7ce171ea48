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
  // The network, loaded once the list has shown from storage (src/page-network.ts): the
  // socket, the mesh, the tabs' sync, and the handshake and protocol parsers only they use.
  'src/page-network.ts',
  'src/net/signaling-client.ts',
  'src/core/wire/signaling.ts',
  'src/net/tab-sync.ts',
  'src/client/account-handshake.ts',
  'src/core/identity/handshake.ts',
  'src/net/mesh.ts',
  'src/net/room-sync.ts',
  'src/net/peer-link.ts',
  'src/net/framing.ts',
  'src/net/link-machine.ts',
  'src/net/rendezvous/',
  'src/net/relay-fallback.ts',
  'src/net/forwarding.ts',
  'src/net/bulk-inbox.ts',
  'src/net/deferred-transport.ts',
  // Services loaded when first used: linking a device, answering invites (when the account
  // starts), the service worker's host and the push subscription (after the first screen).
  'src/client/device-link.ts',
  'src/core/identity/device-link.ts',
  'src/client/invite-desk.ts',
  'src/pwa/service-worker-host.ts',
  'src/pwa/push-subscription.ts',
  // The contact book, loaded once the list has shown (conversations read the stored contacts
  // from src/client/contact-directory.ts): links, requests in and out, safety numbers.
  'src/client/contact-book.ts',
  'src/client/contact-requests.ts',
  'src/core/identity/contact-link.ts',
  'src/core/identity/contact-request.ts',
  'src/core/identity/safety-number.ts',
  // Asking to join a group from an invite, when one is opened (src/client/joins.ts).
  'src/client/join-attempt.ts',
  'src/core/membership/join-messages.ts',
  // lib0's browser logging renders to the DOM with its schema module; Yjs gets lib0's Node
  // logging instead (vite.config.ts).
  'node_modules/lib0/schema.js',
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
    expect(modules).toContain('src/client/contact-directory.ts');
    expect(modules.filter((m) => LOADED_LATER.some((later) => m.startsWith(later)))).toEqual([]);
  });

  it('are one script: split, each gzipped apart, the same code weighed 4 kB more', async () => {
    // The start-up group of vite.config.ts keeps what index.html loads in the entry script;
    // without it the bundler split modules shared with lazy parts into seven modulepreloads.
    expect(initialScripts(await readFile(path.join(DIST, 'index.html'), 'utf8'))).toHaveLength(1);
  });

  it('hold SHA-256 but not SHA-512, which only safety numbers use (worked out in a worker)', async () => {
    const [script] = initialScripts(await readFile(path.join(DIST, 'index.html'), 'utf8'));
    const code = await readFile(path.join(DIST, new URL(script!, 'http://app/').pathname), 'utf8');
    // The first round constants of each, as @noble/hashes writes them.
    expect(code.includes('1116352408')).toBe(true);
    expect(code.includes('0x428a2f98d728ae22')).toBe(false);
    const workers = await readdir(path.join(DIST, 'assets', 'workers'));
    expect(workers.filter((f) => /^safety-number-worker-.*\.js$/.test(f))).toHaveLength(1);
  });

  it('carry the styles without their comments (vite.config.ts compacts css`` literals)', async () => {
    const [script] = initialScripts(await readFile(path.join(DIST, 'index.html'), 'utf8'));
    const code = await readFile(path.join(DIST, new URL(script!, 'http://app/').pathname), 'utf8');
    expect(code.includes('--pl-accent:')).toBe(true);
    // Minified code keeps no comments of its own: any left came from a css`` literal.
    expect(code.match(/\/\*\s[^\n]*/g) ?? []).toEqual([]);
  });

  it('leave every other script to the service worker’s precache, so each loads with no network', async () => {
    const scripts = (await filesUnder(path.join(DIST, 'assets'))).filter((f) => f.endsWith('.js'));
    const worker = await readFile(path.join(DIST, 'sw.js'), 'utf8');
    expect(scripts.some((f) => /conversation-view-.*\.js$/.test(f))).toBe(true);
    expect(scripts.filter((f) => !worker.includes(`"${f.split(path.sep).join('/')}"`))).toEqual([]);
  });
});
