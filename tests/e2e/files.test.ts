/**
 * Files and images between isolated browsers (docs/architecture.md §14): real Chromium, real
 * WebRTC, real IndexedDB, the real server. Everything is done through roles and names.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { FAKE_MEDIA_ARGS, launchChromium } from '../helpers/browser.js';
import { attach, bytesByConnection, downloadedHash, progressOf, sendAttached, sha256, slowed, transferCounts, watchProgress } from '../helpers/file-page.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

/** Just above the 20 MB the transfers use, so the over-cap file stays small to hand over. */
const MAX_FILE = 21 * 1024 * 1024;
/** The mailbox keeps files up to 8 MiB here: the 5 MB file goes through it, the 20 MB ones only peer to peer. */
const MAILBOX_FILE = 8 * 1024 * 1024;
/** The mailbox keeps 12 MiB of files per conversation here: one 6 MB file fits, two do not. */
const MAILBOX_FILES_QUOTA = 12 * 1024 * 1024;
const stage = useAppStage({ maxFileBytes: MAX_FILE, mailboxMaxFileBytes: MAILBOX_FILE, mailboxBlobMaxBytes: MAILBOX_FILES_QUOTA });

/** Alice's conversation with the others joined and linked to everyone. */
async function meet(...names: string[]): Promise<ParleyUser[]> {
  return meetIn(stage.browser, ...names);
}

async function meetIn(browser: Browser, ...names: string[]): Promise<ParleyUser[]> {
  const users = await Promise.all(names.map((n) => ParleyUser.create(browser, n)));
  const [first, ...rest] = users;
  await first!.start(stage.app.url);
  const invite = await first!.newConversation();
  for (const u of rest) {
    await u.open(invite);
    await u.register();
  }
  for (const u of users) await u.waitForPeers(users.length - 1);
  return users;
}

/** Sets a size (MB) in Settings' media section, and comes back to the conversation. */
async function setInSettings(user: ParleyUser, name: RegExp, mb: string): Promise<void> {
  const conversation = user.page.url();
  await user.page.evaluate(() => (location.hash = '#/settings'));
  const input = user.page.getByRole('spinbutton', { name });
  await input.fill(mb);
  await input.press('Enter');
  await input.blur();
  await user.page.goto(conversation);
}

/** Sets the user's auto-download size for files other than images (MB) in Settings, and comes back. */
const autoDownloadUpTo = (user: ParleyUser, mb: string): Promise<void> => setInSettings(user, /Download other files automatically/, mb);

/**
 * From now on, records each change of a progress bar's value in the message list, with how
 * many times the list itself had rendered by then. Read back with {@link barChanges}.
 */
async function watchBarRedraws(user: ParleyUser): Promise<void> {
  await user.page.evaluate(() => {
    const list = document.querySelector('parley-app')?.shadowRoot?.querySelector('parley-conversation')?.shadowRoot?.querySelector('parley-message-list');
    if (!list?.shadowRoot) throw new Error('no message list');
    const w = window as unknown as { listRenders: number; barChanges: number[] };
    w.listRenders = 0;
    w.barChanges = [];
    const proto = Object.getPrototypeOf(list) as { update(changed: unknown): void };
    const update = proto.update;
    proto.update = function (this: unknown, changed: unknown) {
      w.listRenders++;
      update.call(this, changed);
    };
    new MutationObserver((records) => {
      if (records.some((r) => (r.target as Element).getAttribute('role') === 'progressbar')) w.barChanges.push(w.listRenders);
    }).observe(list.shadowRoot, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
}

/** Counts chunk writes made on the page's own thread (the opening worker's are not seen here). */
async function countPageChunkWrites(user: ParleyUser): Promise<void> {
  await user.page.evaluate(() => {
    const w = window as unknown as { pageChunkWrites: number };
    w.pageChunkWrites = 0;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (this.name === 'chunks') w.pageChunkWrites++;
      return put.call(this, value, key);
    };
  });
}

/**
 * Records the script of every worker the page starts from now on (read back with
 * {@link workersStarted}), and which SHA-256 each says it hashed with (the file workers'
 * answers carry `hasher`, read back with {@link workerHashers}).
 */
async function recordWorkers(user: ParleyUser): Promise<void> {
  await user.page.evaluate(() => {
    const w = window as unknown as { workersStarted: string[]; workerHashers: string[] };
    w.workersStarted = [];
    w.workerHashers = [];
    const Base = window.Worker;
    window.Worker = class extends Base {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        const path = new URL(String(url), location.href).pathname;
        w.workersStarted.push(path);
        this.addEventListener('message', (e: MessageEvent<{ hasher?: string }>) => {
          // The worker's name without Vite's content hash, which may itself contain a '-'.
          const name = /^(open-worker|seal-worker)/.exec(path.split('/').at(-1)!)?.[1] ?? path;
          if (e.data.hasher) w.workerHashers.push(`${name}: ${e.data.hasher}`);
        });
      }
    };
  });
}

const workersStarted = (user: ParleyUser): Promise<string[]> => user.page.evaluate(() => (window as unknown as { workersStarted: string[] }).workersStarted);
const workerHashers = (user: ParleyUser): Promise<string[]> => user.page.evaluate(() => (window as unknown as { workerHashers: string[] }).workerHashers);

/** Chunks stored for all files in the page's files database, counted through a connection of its own. */
const storedChunks = (user: ParleyUser): Promise<{ page: number; stored: number }> =>
  user.page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('parley-files');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('chunks', 'readonly').objectStore('chunks').count();
          count.onsuccess = () => {
            open.result.close();
            resolve({ page: (window as unknown as { pageChunkWrites: number }).pageChunkWrites, stored: count.result });
          };
        };
      }),
  );

/** For each recorded bar change, the list's render count at that moment. */
const barChanges = (user: ParleyUser): Promise<number[]> => user.page.evaluate(() => (window as unknown as { barChanges: number[] }).barChanges);

/** True when the bar moved at least once without the message list rendering since its previous move. */
const barMovedByItself = (changes: readonly number[]): boolean => changes.some((renders, i) => i > 0 && renders === changes[i - 1]);

describe('files between members', () => {
  it('a 20 MB file reaches another member byte for byte, with progress on both sides', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const bytes = randomBytes(20 * 1024 * 1024);
    await attach(alice!, 'big.bin', 'application/octet-stream', bytes);
    await Promise.all([recordWorkers(alice!), recordWorkers(bob!)]);
    // Picked files show with their size and a way to remove them before sending.
    await expect(alice!.page.getByRole('button', { name: 'Remove big.bin' }).isVisible()).resolves.toBe(true);
    await Promise.all([watchBarRedraws(alice!), watchBarRedraws(bob!), countPageChunkWrites(bob!)]);
    await sendAttached(alice!, 'the data');
    const received = downloadedHash(bob!, 'big.bin');
    const [bobSaw, aliceSaw] = await Promise.all([watchProgress(progressOf(bob!, 'big.bin'), received), watchProgress(progressOf(alice!, 'big.bin'), received)]);
    expect(await received).toBe(sha256(bytes));
    // Bob's page is the service worker's: the file was checked as it arrived but not also
    // gathered into a Blob, and his Download link is the worker's URL (docs/architecture.md §14.4).
    await expect(bob!.page.getByRole('link', { name: 'Download big.bin' }).getAttribute('href')).resolves.toMatch(/^\/files\/[0-9a-f]+\/[0-9a-f]{64}$/);
    expect(bobSaw.length).toBeGreaterThan(0);
    expect(aliceSaw.length).toBeGreaterThan(0);
    expect(bobSaw.some((p) => p > 0 && p < 100)).toBe(true);
    // The bars redraw themselves as bytes move: progress does not re-render the whole list
    // (docs/architecture.md §14.5), on either side.
    const [bobBar, aliceBar] = await Promise.all([barChanges(bob!), barChanges(alice!)]);
    expect(bobBar.length, 'bars seen moving on Bob\'s side').toBeGreaterThan(2);
    expect(barMovedByItself(bobBar), `Bob's list renders at each bar change: ${bobBar.join(' ')}`).toBe(true);
    expect(barMovedByItself(aliceBar), `Alice's list renders at each bar change: ${aliceBar.join(' ')}`).toBe(true);
    // Bob's opening worker stored every chunk; his page wrote none (docs/architecture.md §14.4).
    // 20 MiB in chunks of 64 KiB (docs/architecture.md §14.1).
    await expect(storedChunks(bob!)).resolves.toEqual({ page: 0, stored: 320 });
    // Alice's first pass over the file (its hashes) ran in a worker, not on her page's thread.
    expect((await workersStarted(alice!)).some((path) => /\/seal-worker[-.]/.test(path))).toBe(true);
    // Both file workers took the content hash in WebAssembly, which only their scripts' CSP
    // allows (docs/architecture.md §14.4): without it they fall back to JavaScript.
    await expect(workerHashers(alice!)).resolves.toEqual(['seal-worker: wasm']);
    await expect(workerHashers(bob!)).resolves.toEqual(['open-worker: wasm']);
    // This is the link's first file: its first get opened the bulk connection, and the
    // chunks that left before its lane was ready went on the link's own channel
    // (docs/architecture.md §14.2). The rest went by the bulk channel, worker to worker; each
    // chunk went one way only, and came the way it was sent. That a file after the lane is
    // up goes entirely over it is in tests/e2e/bulk-connection.test.ts.
    const bobCounts = await transferCounts(bob!);
    expect(bobCounts.inBand! + bobCounts.bulk!, JSON.stringify(bobCounts)).toBe(320);
    expect(bobCounts.bulk, JSON.stringify(bobCounts)).toBeGreaterThan(0);
    await expect(transferCounts(alice!)).resolves.toMatchObject({ sentInBand: bobCounts.inBand, sentBulk: bobCounts.bulk });
    // On a connection of its own: the chunks that went by the bulk channel came on the bulk
    // connection. (How little the link's connection carries is checked for a file after the
    // lane is up. Here it carried the first chunks, and a connection's bytes can run well
    // over its chunks' size under load: once, at load 13, 8.5 MB on the link for 80 chunks
    // and 22.5 MB on the bulk connection for 240, SCTP's retransmissions presumably.)
    const connections = await bytesByConnection(bob!);
    expect(connections, JSON.stringify(connections)).toHaveLength(1);
    expect(connections[0]!.bulk, JSON.stringify(connections)).toBeGreaterThan(bobCounts.bulk! * 64 * 1024);
    // The caption is the message's text; the sender can download what they sent too.
    await bob!.waitForMessage('the data');
    expect(await downloadedHash(alice!, 'big.bin')).toBe(sha256(bytes));
    // The file's record gone from Bob's store underneath the card (storage evicted): the
    // worker answers 404 and Download says so rather than saving what came.
    await bob!.page.evaluate(() => new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('parley-files');
      open.onsuccess = () => {
        const tx = open.result.transaction('files', 'readwrite');
        tx.objectStore('files').clear();
        tx.oncomplete = () => (open.result.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
      open.onerror = () => reject(open.error);
    }));
    let saved = false;
    bob!.page.once('download', () => (saved = true));
    await bob!.page.getByRole('link', { name: 'Download big.bin' }).click();
    await bob!.page.getByRole('alert').filter({ hasText: 'big.bin could not be read' }).waitFor();
    expect(saved).toBe(false);
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('a file whose signed content hash is not its bytes is refused by the opening worker once every chunk is stored, and erased', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    // Alice's app signs a wrong content hash: her sealing worker's answer is changed on its
    // way to the page. Every chunk still matches the hash list, so only the whole can tell.
    await alice!.page.evaluate(() => {
      const Base = window.Worker;
      window.Worker = class extends Base {
        override set onmessage(f: ((this: Worker, e: MessageEvent) => unknown) | null) {
          super.onmessage = f && ((e: MessageEvent<{ fields?: object }>) => f.call(this, { data: e.data.fields ? { ...e.data, fields: { ...e.data.fields, sha256: 'A'.repeat(43) } } : e.data } as MessageEvent));
        }
        override get onmessage(): ((this: Worker, e: MessageEvent) => unknown) | null {
          return super.onmessage;
        }
      };
    });
    await Promise.all([recordWorkers(bob!), countPageChunkWrites(bob!)]);
    await attach(alice!, 'liar.bin', 'application/octet-stream', randomBytes(2 * 1024 * 1024));
    await sendAttached(alice!);
    await bob!.page.getByRole('status').filter({ hasText: 'liar.bin could not be received.' }).waitFor({ timeout: 60_000 });
    // Opened in the worker, and then erased, chunks and all.
    expect((await workersStarted(bob!)).some((path) => /\/open-worker[-.]/.test(path))).toBe(true);
    await expect(storedChunks(bob!)).resolves.toEqual({ page: 0, stored: 0 });
    await expect(bob!.page.getByRole('link', { name: 'Download liar.bin' }).count()).resolves.toBe(0);
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it("when the sender's tab closes halfway, the receiver finishes from a member who already had the file", async () => {
    // Bob is a member when the file is sent (a file's key derives from the epoch it was sent
    // in, which a later joiner never holds), but fetches only when asked: after Carol has it.
    const [alice, carol, bob] = await meet('Alice', 'Carol', 'Bob');
    await autoDownloadUpTo(bob!, '1');
    const bytes = randomBytes(20 * 1024 * 1024);
    await attach(alice!, 'shared.bin', 'application/octet-stream', bytes);
    await sendAttached(alice!);
    expect(await downloadedHash(carol!, 'shared.bin')).toBe(sha256(bytes));
    // Over the mailbox's cap: the message says it comes only from a member who has it.
    await bob!.page.getByText('shared.bin is too large for the mailbox: it comes directly from a member who has it, when one is online.').waitFor();
    await alice!.page.getByText(/^shared\.bin is too large for the mailbox: members who are offline get it/).waitFor();

    // Both holders slowed, so the sender's tab closes while the file is still moving: at full
    // speed it could be whole before the close, and the case would not show a finish from Carol.
    const carolFullSpeed = await slowed(carol!);
    await slowed(alice!);
    await bob!.page.getByRole('button', { name: 'Download shared.bin' }).click();
    const bar = progressOf(bob!, 'shared.bin');
    await bar.waitFor({ timeout: 60_000 });
    await expect.poll(async () => Number((await bar.getAttribute('aria-valuenow')) ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
    const atClose = Number((await bar.getAttribute('aria-valuenow')) ?? 0);
    await alice!.close();
    expect(atClose).toBeLessThan(100);
    await carolFullSpeed();
    expect(await downloadedHash(bob!, 'shared.bin')).toBe(sha256(bytes));
    await Promise.all([bob!.close(), carol!.close()]);
  });

  it('a transfer interrupted by a reload resumes from the chunks already stored', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const bytes = randomBytes(20 * 1024 * 1024);
    await attach(alice!, 'resume.bin', 'application/octet-stream', bytes);
    await sendAttached(alice!);
    const fullSpeed = await slowed(alice!);
    const bar = progressOf(bob!, 'resume.bin');
    await bar.waitFor({ timeout: 60_000 });
    // Wait until a good part is in (writes land every 1 MiB), then reload mid-transfer.
    let before = 0;
    while (before < 40) {
      before = Number((await bar.getAttribute('aria-valuenow').catch(() => '0')) ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    await bob!.page.reload();
    const first = Number(await progressOf(bob!, 'resume.bin').getAttribute('aria-valuenow', { timeout: 60_000 }));
    // Right after the reload the bar starts where the stored chunks left it, not at 0.
    expect(first).toBeGreaterThanOrEqual(20);
    // Still short of the whole: the reload came mid-transfer, so what follows is a resume.
    expect(first).toBeLessThan(100);
    await fullSpeed();
    expect(await downloadedHash(bob!, 'resume.bin')).toBe(sha256(bytes));
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('a pasted image shows as a thumbnail and opens in the viewer', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const png = gradientPng(320, 200);
    await alice!.composer.click();
    await alice!.page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      const app = document.querySelector('parley-app')!;
      const view = app.shadowRoot!.querySelector('parley-conversation')!;
      view.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true }));
    }, png.toString('base64'));
    await alice!.page.getByRole('list', { name: 'Files to send' }).getByText(/^Pasted image/).waitFor();
    await sendAttached(alice!, 'a gradient');
    // While the bytes come, a placeholder of the image's shape stands in ("… (loading)").
    const image = bob!.page.getByRole('img', { name: 'a gradient', exact: true });
    await image.waitFor({ timeout: 30_000 });
    // The placeholder had the image's aspect ratio, so the list did not jump when it arrived.
    const box = await image.boundingBox();
    expect(box!.width / box!.height).toBeCloseTo(320 / 200, 1);
    await bob!.page.getByRole('button', { name: 'Open a gradient' }).click();
    const viewer = bob!.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.getByRole('img', { name: 'a gradient', exact: true }).waitFor();
    await bob!.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('settings show media per conversation, clear what was downloaded, and keep the auto-download rule', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const bytes = randomBytes(3 * 1024 * 1024);
    await attach(alice!, 'notes.bin', 'application/octet-stream', bytes);
    await sendAttached(alice!);
    expect(await downloadedHash(bob!, 'notes.bin')).toBe(sha256(bytes));
    const conversation = bob!.page.url();
    await bob!.page.evaluate(() => (location.hash = '#/settings'));
    const table = bob!.page.getByRole('table', { name: 'Media per conversation' });
    await table.waitFor();
    // 3 MiB plus 16 bytes per 64 KiB chunk, stored sealed.
    await expect(table.getByRole('cell', { name: '3.1 MB' }).count()).resolves.toBe(1);
    await bob!.page.getByRole('button', { name: /^Clear downloaded media of / }).click();
    await bob!.page.getByText('No media stored on this device.').waitFor();
    await autoDownloadUpTo(bob!, '1');
    await bob!.page.goto(conversation);
    // Cleared: the file is offered again, and comes back byte for byte.
    await bob!.page.getByRole('button', { name: 'Download notes.bin' }).click();
    expect(await downloadedHash(bob!, 'notes.bin')).toBe(sha256(bytes));
    // The rule survived the reload: a 3 MB file no longer downloads by itself.
    const more = randomBytes(3 * 1024 * 1024);
    await attach(alice!, 'later.bin', 'application/octet-stream', more);
    await sendAttached(alice!);
    await bob!.page.getByRole('button', { name: 'Download later.bin' }).waitFor({ timeout: 30_000 });
    // Not a pause: a small file sent after it downloads by itself, so the rule has been
    // applied to the large one too, and that one still offers its button (nothing fetches it).
    await attach(alice!, 'small.bin', 'application/octet-stream', randomBytes(10 * 1024));
    await sendAttached(alice!);
    await bob!.page.getByRole('link', { name: 'Download small.bin' }).waitFor({ timeout: 30_000 });
    await expect(bob!.page.getByRole('button', { name: 'Download later.bin' }).count()).resolves.toBe(1);
    await expect(progressOf(bob!, 'later.bin').count()).resolves.toBe(0);
    await expect(bob!.page.getByRole('link', { name: 'Download later.bin' }).count()).resolves.toBe(0);
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('a file over the cap is refused with a clear message before anything is sent', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_FILE + 1) });
    await expect(alice.page.getByRole('alert').filter({ hasText: 'huge.bin is too large to send' }).textContent()).resolves.toContain('at most 22 MB');
    await expect(alice.page.getByRole('list', { name: 'Files to send' }).count()).resolves.toBe(0);
    await alice.close();
  });

  it('cancel stops the transfer on both sides', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const bytes = randomBytes(20 * 1024 * 1024);
    await attach(alice!, 'slow.bin', 'application/octet-stream', bytes);
    await sendAttached(alice!);
    const fullSpeed = await slowed(alice!);
    await progressOf(bob!, 'slow.bin').waitFor({ timeout: 60_000 });
    await bob!.page.getByRole('button', { name: 'Cancel transfer of slow.bin' }).click();
    await bob!.page.getByRole('button', { name: 'Download slow.bin' }).waitFor();
    await fullSpeed();
    // Alice's side stops too: no transfer goes on after Bob cancelled.
    await progressOf(alice!, 'slow.bin').waitFor({ state: 'hidden', timeout: 10_000 });
    await expect(bob!.page.getByRole('link', { name: 'Download slow.bin' }).count()).resolves.toBe(0);
    // Download starts it again, from where it stopped.
    await bob!.page.getByRole('button', { name: 'Download slow.bin' }).click();
    expect(await downloadedHash(bob!, 'slow.bin')).toBe(sha256(bytes));
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('a member offline during the send receives a 5 MB file through the mailbox when they come back, with the sender gone', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    const bobUrl = bob!.page.url();
    await bob!.page.close();
    const bytes = randomBytes(5 * 1024 * 1024);
    await attach(alice!, 'away.bin', 'application/octet-stream', bytes);
    await sendAttached(alice!, 'for when you are back');
    // The sender sees its copy reach the mailbox, then leaves: no member online has the file.
    await alice!.page.getByText('away.bin is in the mailbox for members who are offline.').waitFor({ timeout: 60_000 });
    // The message itself went into the mailbox too (sealed, as any message for someone away).
    await alice!.messageRow('for when you are back').locator('[data-status="sent"]').waitFor({ timeout: 30_000 });
    await alice!.close();

    bob!.page = await bob!.context.newPage();
    await bob!.open(bobUrl);
    await expect.poll(() => bob!.timelineTexts().catch(() => []), { timeout: 60_000 }).toContain('for when you are back');
    expect(await downloadedHash(bob!, 'away.bin')).toBe(sha256(bytes));
    // From the mailbox, one piece per 64 KiB chunk (docs/architecture.md §14.6).
    expect((await storedChunks(bob!)).stored).toBe(80);
    await bob!.close();
  });

  it('Quota messages appear as described', async () => {
    const [alice, bob] = await meet('Alice', 'Bob');
    await setInSettings(bob!, /Media budget per conversation/, '5');
    const MB6 = 6 * 1024 * 1024;
    await attach(alice!, 'one.bin', 'application/octet-stream', randomBytes(MB6));
    await sendAttached(alice!);
    await alice!.page.getByText('one.bin is in the mailbox for members who are offline.').waitFor({ timeout: 60_000 });
    // Bob's budget: the file would take the conversation past 5 MB on his device, so it waits and says why...
    await bob!.page.getByText(/^one\.bin was not downloaded: it would take this conversation's media on this device past its budget/).waitFor({ timeout: 30_000 });
    // ...and asking for it anyway is refused with the budget named.
    await bob!.page.getByRole('button', { name: 'Download one.bin' }).click();
    await bob!.page.getByRole('alert').filter({ hasText: "one.bin would take this conversation's media past this device's budget of 5.0 MB. Clear downloaded media or raise the budget in Settings." }).waitFor();

    // The server's quota for files in this conversation's mailbox: its answer is shown, in its words.
    await attach(alice!, 'two.bin', 'application/octet-stream', randomBytes(MB6));
    await sendAttached(alice!);
    await alice!.page
      .getByRole('alert')
      .filter({ hasText: "The server did not keep two.bin for members who are offline: the mailbox's space for files is full (12 MiB per conversation)." })
      .waitFor({ timeout: 60_000 });
    await alice!.page.getByText(/^two\.bin is not in the mailbox: members who are offline get it from a member who has it/).waitFor();

    // Alice's own budget: Settings shows what the conversation takes; lowered below it, the next send is refused.
    await alice!.page.evaluate(() => (location.hash = '#/settings'));
    const table = alice!.page.getByRole('table', { name: 'Media per conversation' });
    await table.getByRole('cell', { name: '13 MB' }).waitFor();
    await alice!.page.goBack();
    await setInSettings(alice!, /Media budget per conversation/, '10');
    await attach(alice!, 'three.bin', 'application/octet-stream', randomBytes(1024 * 1024));
    await sendAttached(alice!);
    await alice!.page.getByRole('alert').filter({ hasText: "three.bin would take this conversation's media past this device's budget of 10 MB." }).waitFor();
    await expect(bob!.timelineTexts()).resolves.toHaveLength(2);
    await Promise.all([alice!.close(), bob!.close()]);
  });

  it('a voice message recorded with the fake microphone plays on the other side, with its duration shown', async () => {
    // Its own browser: Chromium's fake microphone (a beep), no permission prompt, and playback without a gesture.
    const browser = await launchChromium(FAKE_MEDIA_ARGS);
    try {
      const [alice, bob] = await meetIn(browser, 'Alice', 'Bob');
      // Tap to start, tap again to stop and send.
      await alice!.page.getByRole('button', { name: 'Record voice message' }).click();
      await alice!.page.getByRole('timer', { name: 'Recording' }).filter({ hasText: 'Recording 0:02' }).waitFor({ timeout: 30_000 });
      await alice!.page.getByRole('button', { name: 'Stop and send voice message' }).click();

      const played = bob!.page.getByLabel(/^Voice message, 0:0[2-4]$/);
      await played.waitFor({ timeout: 60_000 });
      const label = (await played.getAttribute('aria-label'))!;
      const duration = label.slice('Voice message, '.length);
      // The duration and the waveform show beside the player, and the sender sees the same.
      const card = bob!.page.locator('.voice').filter({ has: played });
      await expect(card.locator('.duration').textContent()).resolves.toBe(duration);
      expect(await card.locator('.wave span').count()).toBeGreaterThan(10);
      await alice!.page.getByLabel(label).waitFor({ timeout: 30_000 });
      // It plays: the element has audio and its time moves.
      await played.evaluate((audio: HTMLAudioElement) => audio.play());
      await expect.poll(() => played.evaluate((audio: HTMLAudioElement) => audio.currentTime), { timeout: 30_000 }).toBeGreaterThan(0.5);
      await expect(played.evaluate((audio: HTMLAudioElement) => audio.error)).resolves.toBeNull();

      // Hold to record: pressed, held past a second, released: sent.
      await bob!.page.getByRole('button', { name: 'Record voice message' }).hover();
      await bob!.page.mouse.down();
      await bob!.page.getByRole('timer', { name: 'Recording' }).filter({ hasText: 'Recording 0:01' }).waitFor({ timeout: 30_000 });
      await bob!.page.mouse.up();
      await bob!.page.getByRole('timer', { name: 'Recording' }).waitFor({ state: 'hidden' });
      await expect.poll(() => alice!.page.getByLabel(/^Voice message, /).count(), { timeout: 60_000 }).toBe(2);
      await Promise.all([alice!.close(), bob!.close()]);
    } finally {
      await browser.close();
    }
  });
});
