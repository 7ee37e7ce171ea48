/**
 * Parley and its baseline on a profile on disk, as an installed app runs (the other rows use
 * incognito contexts, whose IndexedDB and OPFS live in the browser's memory, so what storage
 * costs on a user's device is not in them; docs/files-measured.md, twelfth round).
 *
 * One browser with one profile, so the raw channel crosses the same network service as in
 * the incognito rows. The two users keep their storage apart by origin: the app server
 * answers on `localhost` and on `127.0.0.1`, two origins to the browser, each with its own
 * IndexedDB, OPFS and service worker.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { launchPersistentProfile } from '../tests/helpers/browser.js';
import { ParleyUser } from '../tests/helpers/parley-user.js';
import { NAME_SHIM } from './browser.js';
import { linkPair, type Pair } from './latency.js';

/** The same server under the other loopback name: another origin, so another user's storage. */
export function otherOrigin(url: string): string {
  const parsed = new URL(url);
  parsed.hostname = parsed.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  return parsed.origin;
}

export interface DiskProfile {
  readonly context: BrowserContext;
  /** Alice on `appUrl`'s origin and Bob on the other, in one conversation, linked. */
  pair(appUrl: string): Promise<Pair>;
  /** Two blank pages on the two origins, for the raw channel. */
  rawPages(appUrl: string): Promise<[Page, Page]>;
  close(): Promise<void>;
}

export async function diskProfile(): Promise<DiskProfile> {
  const profile = await launchPersistentProfile();
  await profile.context.addInitScript(NAME_SHIM);
  return {
    context: profile.context,
    async pair(appUrl) {
      const alice = await ParleyUser.inContext(profile.context, 'Alice (disk)', { newPage: true });
      const bob = await ParleyUser.inContext(profile.context, 'Bob (disk)', { newPage: true });
      return linkPair(alice, bob, appUrl, 'Parley (profile on disk)', (invite) => invite.replace(new URL(appUrl).origin, otherOrigin(appUrl)));
    },
    async rawPages(appUrl) {
      const [a, b] = [await profile.context.newPage(), await profile.context.newPage()];
      await Promise.all([a.goto(`${appUrl}/healthz`), b.goto(`${otherOrigin(appUrl)}/healthz`)]);
      return [a, b];
    },
    close: () => profile.close(),
  };
}
