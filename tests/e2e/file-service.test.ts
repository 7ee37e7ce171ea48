/**
 * The service worker serves finished files (docs/architecture.md §14.4): real Chromium, the
 * built app and its worker, real IndexedDB. After a reload the page shows stored media by
 * `/files/<conversation>/<root>` URLs the worker answers from the chunk store, decrypting as
 * the response is read: whole, and by byte range (206) as a `<video>` seeks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface Fetched {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly sha256: string;
  readonly length: number;
}

/** Fetches `url` in the page (so through its service worker) and hashes what comes back. */
async function fetchInPage(user: ParleyUser, url: string, range?: string): Promise<Fetched> {
  return user.page.evaluate(
    async ({ url, range }) => {
      const res = await fetch(url, range ? { headers: { Range: range } } : {});
      const bytes = new Uint8Array(await res.arrayBuffer());
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
        length: bytes.length,
      };
    },
    { url, range },
  );
}

async function controlled(user: ParleyUser): Promise<void> {
  await user.page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await user.page.reload();
  await user.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

describe('files served by the service worker', () => {
  it('streams a stored video whole and by range; an image shows from it', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    try {
      await alice.start(stage.app.url);
      await alice.newConversation();
      await controlled(alice);

      const data = randomBytes(3 * 1024 * 1024 + 12_345);
      // Declared video (random bytes sniff as nothing, so the declared type stands).
      await alice.page.getByLabel('Attach').setInputFiles({ name: 'clip.webm', mimeType: 'video/webm', buffer: data });
      await alice.page.getByRole('list', { name: 'Files to send' }).getByText('clip.webm').waitFor();
      await alice.page.getByRole('button', { name: 'Send' }).click();
      const video = alice.page.locator('video[aria-label="clip.webm"]');
      await video.waitFor({ timeout: 60_000 });
      const png = gradientPng(120, 80);
      await alice.page.getByLabel('Attach').setInputFiles({ name: 'grad.png', mimeType: 'image/png', buffer: png });
      await alice.page.getByRole('list', { name: 'Files to send' }).getByText('grad.png').waitFor();
      await alice.page.getByRole('button', { name: 'Send' }).click();
      await alice.page.getByRole('img', { name: 'grad.png' }).waitFor({ timeout: 60_000 });

      expect(await video.getAttribute('src')).toMatch(/^blob:/);

      // After a reload the stored media are the worker's URLs, not Blobs made on the page.
      await alice.page.reload();
      await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await video.waitFor({ timeout: 60_000 });
      const href = (await video.getAttribute('src'))!;
      expect(href).toMatch(/^\/files\/[0-9a-f]{32,64}\/[0-9a-f]{64}$/);

      const whole = await fetchInPage(alice, href);
      expect(whole.status).toBe(200);
      expect(whole.sha256).toBe(sha256(data));
      expect(whole.headers['content-length']).toBe(String(data.length));
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect(whole.headers['content-type']).toBe('video/webm');
      // Someone else's bytes never run as a page of this origin.
      expect(whole.headers['content-security-policy']).toBe('sandbox');
      expect(whole.headers['x-content-type-options']).toBe('nosniff');

      // A range across chunk boundaries: only those bytes, 206.
      const part = await fetchInPage(alice, href, 'bytes=1000000-1999999');
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 1000000-1999999/${data.length}`);
      expect(part.sha256).toBe(sha256(data.subarray(1_000_000, 2_000_000)));
      const tail = await fetchInPage(alice, href, 'bytes=-100');
      expect(tail.status).toBe(206);
      expect(tail.sha256).toBe(sha256(data.subarray(data.length - 100)));
      const open = await fetchInPage(alice, href, `bytes=${data.length - 70_000}-`);
      expect(open.sha256).toBe(sha256(data.subarray(data.length - 70_000)));
      expect((await fetchInPage(alice, href, `bytes=${data.length}-`)).status).toBe(416);
      // Another conversation's path, or a root nobody holds: not found.
      expect((await fetchInPage(alice, href.replace(/\/files\/[0-9a-f]+\//, `/files/${'0'.repeat(32)}/`))).status).toBe(404);
      expect((await fetchInPage(alice, href.replace(/[0-9a-f]{64}$/, 'f'.repeat(64)))).status).toBe(404);

      // The image shows from the worker, inline, at its size.
      const img = alice.page.getByRole('img', { name: 'grad.png' });
      await expect.poll(() => img.getAttribute('src'), { timeout: 30_000 }).toMatch(/^\/files\//);
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 30_000 }).toBe(120);
      const shown = await fetchInPage(alice, (await img.getAttribute('src'))!);
      expect(shown.headers['content-type']).toBe('image/png');
      expect(shown.headers['content-disposition']).toBeUndefined();
      expect(shown.sha256).toBe(sha256(png));
    } finally {
      await alice.close();
    }
  });
});
