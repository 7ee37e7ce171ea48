/**
 * The message list always knows where the newest message is: own sends come into view
 * (300 tall messages sent quickly with Enter), a message arriving renders only its own row,
 * arrivals while scrolled up offer "Jump to newest" with a count, a conversation opens at
 * its first unread message under an "Unread messages" divider (or at the newest),
 * switching conversations never opens at the oldest, resizing between phone and
 * desktop keeps the newest in view, and an arrival moves what is on screen only by the
 * scroll to it, from the first frame it shows, nor does a file's transfer line coming and
 * going or the sender's list of files to send closing, and the composer growing keeps the
 * end in view (rows recorded frame by frame).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { bottomInView, rowStarting, topInView, wheelUp } from '../helpers/in-view.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';
import { recordRowFrames, strayMoves } from '../helpers/row-frames.js';

const stage = useAppStage();
const DESKTOP = { width: 1366, height: 820 };
const PHONE = { width: 390, height: 844 };
/** Why the user's list last stopped following the newest message (BottomPin.lastUnpin), as page-diagnosis reports it. */
const unpinnedBy = (user: ParleyUser): Promise<string | null> =>
  user.page.locator('parley-message-list').evaluate((el) => (el as unknown as { pin: { lastUnpin: { reason: string } | null } }).pin.lastUnpin?.reason ?? null);
/** A real WebM of a `width` × `height` canvas, recorded in `user`'s page. */
const recordedVideo = async (user: ParleyUser, width: number, height: number): Promise<Buffer> =>
  Buffer.from(
    await user.page.evaluate(
      async ({ width, height }) => {
        const canvas = Object.assign(document.createElement('canvas'), { width, height });
        const context = canvas.getContext('2d')!;
        const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
        const parts: Blob[] = [];
        recorder.ondataavailable = (e) => parts.push(e.data);
        const stopped = new Promise((resolve) => (recorder.onstop = resolve));
        recorder.start();
        for (let frame = 0; frame < 20; frame++) {
          context.fillStyle = `hsl(${frame * 18} 70% 50%)`;
          context.fillRect(0, 0, width, height);
          await new Promise((resolve) => requestAnimationFrame(resolve));
        }
        recorder.stop();
        await stopped;
        return [...new Uint8Array(await new Blob(parts).arrayBuffer())];
      },
      { width, height },
    ),
  );
const tall = (label: string): string => `${label} ${'lorem ipsum dolor '.repeat(55)}`.slice(0, 1000);

describe('the message list and the newest message', () => {
  let alice: ParleyUser;
  let bob: ParleyUser;

  beforeAll(async () => {
    ({ alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url, { viewport: DESKTOP }));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  it('300 tall messages sent quickly with Enter: each comes into view', async () => {
    // Typed and sent in the page, one task apart: as fast as a person pasting and pressing
    // Enter could go, without a test-driver round trip per message.
    await alice.composer.focus();
    await alice.composer.evaluate(async (box: HTMLTextAreaElement, texts: string[]) => {
      for (const text of texts) {
        box.value = text;
        box.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
        box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }, Array.from({ length: 300 }, (_, i) => tall(`burst ${i + 1}`)));
    await rowStarting(alice, 'burst 300 ').waitFor({ timeout: 60_000 });
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'burst 300 '))).toBe(true);
    // Every send has gone through (own sends keep pulling the view down until then).
    await rowStarting(alice, 'burst 300 ').locator('[data-status="sent"]').waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await alice.timelineInfo()).size, { timeout: 60_000 }).toBe(300);
    await expect.poll(async () => (await bob.timelineInfo()).size, { timeout: 60_000 }).toBe(300);
    expect(await bottomInView(alice, rowStarting(alice, 'burst 150 '))).toBe(false);
    await expect(alice.page.getByRole('button', { name: /Jump to newest/ }).count()).resolves.toBe(0);
  });

  it('a message arriving renders its own row, not again every row on screen', async () => {
    // Bob's rows are Alice's messages: nothing about them changes when one more arrives
    // (no receipts shown on others' messages), so a render renders only rows new to the DOM:
    // the new one, and in about half the arrivals (sometimes twice) the row at the top of
    // the rendered range, which leaves and comes back as the virtualizer re-anchors on the
    // new row's measured size (its key unchanged, but its element was removed).
    const list = bob.page.locator('parley-message-list');
    const counts = () =>
      list.evaluate((el) => ({
        rowRenders: (el as unknown as { rowRenders: number }).rowRenders,
        rows: el.shadowRoot?.querySelectorAll('lit-virtualizer > .row').length ?? 0,
        added: (window as unknown as { rowsAdded: number }).rowsAdded,
      }));
    // Counts row elements put in the virtualizer that were not in it before (a row it moves
    // is removed and added again: not counted).
    await list.evaluate((el) => {
      const host = el.shadowRoot!.querySelector('lit-virtualizer')!;
      const w = window as unknown as { rowsAdded: number };
      const seen = new WeakSet<Node>(host.children);
      w.rowsAdded = 0;
      new MutationObserver((records) => {
        for (const node of records.flatMap((r) => [...r.addedNodes])) {
          if (!(node instanceof Element) || !node.classList.contains('row') || seen.has(node)) continue;
          seen.add(node);
          w.rowsAdded++;
        }
      }).observe(host, { childList: true });
    });
    const before = await counts();
    await alice.send('one more row');
    await bob.waitForMessage('one more row');
    const after = await counts();
    expect(before.rows).toBeGreaterThanOrEqual(4);
    expect(after.added).toBeGreaterThanOrEqual(1);
    expect(after.rowRenders - before.rowRenders).toBeLessThanOrEqual(after.added);
  });

  it('a message arriving measures its own row only, from its ResizeObserver, reading no row box', async () => {
    const list = bob.page.locator('parley-message-list');
    // Counts reads of a row's box anywhere in the page: the virtualizer measured every
    // rendered row this way whenever a message was added.
    await bob.page.evaluate(() => {
      const w = window as unknown as { rowBoxReads: number; rowBoxRead?: typeof Element.prototype.getBoundingClientRect };
      w.rowBoxReads = 0;
      const read = (w.rowBoxRead = Element.prototype.getBoundingClientRect);
      Element.prototype.getBoundingClientRect = function (this: Element) {
        if (this.classList.contains('row')) w.rowBoxReads++;
        return read.call(this);
      };
    });
    const counts = () =>
      list.evaluate(async (el) => {
        // Two frames: the virtualizer measures in the same frame the row is first laid out
        // (its ResizeObserver reports right after the list's), then places what changed.
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const { taken, read } = (el as unknown as { rowSizes: { taken: number; read: number } }).rowSizes;
        const reads = (window as unknown as { rowBoxReads: number }).rowBoxReads;
        return { taken, read, reads, rows: el.shadowRoot?.querySelectorAll('lit-virtualizer > .row').length ?? 0 };
      });
    try {
      const before = await counts();
      await alice.send('measured alone');
      await bob.waitForMessage('measured alone');
      await expect.poll(async () => (await counts()).taken).toBeGreaterThan(before.taken);
      const after = await counts();
      expect(before.rows).toBeGreaterThanOrEqual(4);
      expect(after.reads - before.reads).toBe(0);
      expect(after.read - before.read).toBe(0);
      // Sizes come from the observer: the new row's, and those of rows that leave or enter
      // the rendered range as the view moves down — never one per rendered row.
      expect(after.taken - before.taken).toBeGreaterThanOrEqual(1);
      expect(after.taken - before.taken).toBeLessThan(after.rows);
    } finally {
      await bob.page.evaluate(() => {
        const w = window as unknown as { rowBoxRead?: typeof Element.prototype.getBoundingClientRect };
        if (w.rowBoxRead) Element.prototype.getBoundingClientRect = w.rowBoxRead;
      });
    }
  });

  it('a row growing (an image loading, Read more) moves the rows under it', async () => {
    const list = bob.page.locator('parley-message-list');
    const grown = await list.evaluate(async (el) => {
      const v = el.shadowRoot!.querySelector('lit-virtualizer')!;
      const rows = [...v.querySelectorAll<HTMLElement>(':scope > .row')].sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index));
      const row = rows.at(-3)!;
      const next = rows.at(-2)!;
      const height = row.getBoundingClientRect().height;
      // What an image or an expanded text does: the row's content gets taller on its own.
      const block = document.createElement('div');
      block.style.height = '240px';
      row.append(block);
      // The virtualizer re-places rows in the frames after the resize is reported.
      for (let i = 0; i < 30 && Math.abs(next.getBoundingClientRect().top - row.getBoundingClientRect().bottom) > 1; i++) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      const result = { before: height, after: row.getBoundingClientRect().height, gap: next.getBoundingClientRect().top - row.getBoundingClientRect().bottom };
      block.remove();
      return result;
    });
    expect(grown.after - grown.before).toBeCloseTo(240, 0);
    // The row under it moved down by as much: no overlap, no gap.
    expect(Math.abs(grown.gap)).toBeLessThanOrEqual(1);
  });

  it('an arriving message moves the rows on screen only by the scroll to it, in the frame it first shows', async () => {
    // Texts of different heights: the new row is laid out at an estimated height until its
    // ResizeObserver reports, later in the same frame. The pin followed only a frame later,
    // so that frame showed the new row 3-46 px short of the list's end (docs §11).
    const texts = ['ok', 'a reply that fits on one line', `wrapping ${'over several lines '.repeat(14)}`.trim(), tall('a tall one')];
    for (const text of texts) {
      const stop = await recordRowFrames(bob);
      await alice.send(text);
      await rowStarting(bob, text.slice(0, 20)).waitFor();
      const frames = await stop();
      const newest = frames.at(-1)!.rows.at(-1)!.id;
      expect(frames.filter((f) => f.rows.some((r) => r.id === newest)).length).toBeGreaterThan(10);
      expect(strayMoves(frames, newest), `"${text.slice(0, 20)}…"`).toEqual([]);
    }
  });

  it("an arriving image's box has its final size from the first frame it shows", async () => {
    // The placeholder was min(280px, 100%) wide in a bubble as wide as its content: 88 × 55
    // next to the time alone, 280 × 175 once a status line or the image widened the bubble,
    // and the rows above bounced by 120-144 px as it changed.
    const stop = await recordRowFrames(bob);
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: gradientPng(320, 200) });
    await alice.page.getByRole('list', { name: 'Files to send' }).getByText('wide.png').waitFor();
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
    await bob.page.getByRole('img', { name: 'wide.png', exact: true }).waitFor({ timeout: 60_000 });
    await bob.page.getByRole('img', { name: 'wide.png', exact: true }).evaluate((img: HTMLImageElement) => img.decode());
    const frames = await stop();
    const image = frames.at(-1)!.rows.at(-1)!;
    const sizes = new Set(frames.map((f) => f.rows.find((r) => r.id === image.id)?.image).filter((size) => size));
    expect([...sizes]).toEqual([image.image]);
    expect(image.image).toBe('280 × 175');
  });

  it("a file's transfer line and mailbox note come and go without changing its row's height", async () => {
    // Under the media or card, the receiver's "Waiting for a member who has…" and progress
    // line came and went (the row 216 → 240 → 216 px for an image), and the sender's mailbox
    // note came a few frames after the row (216 → 236); at the end of the list the rows above
    // moved up and back down by as much (docs §11).
    // A video or an audio file showed as a card until its bytes were here, then as its player
    // (a video's row 114 → 235 px); its box is now the player's from the start, a video's at
    // the pixel size its message carries (160 × 120 here, so 320 × 240).
    const files = [
      { name: 'photo.png', mimeType: 'image/png', buffer: gradientPng(640, 400) },
      { name: 'report.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3_000_000, 7) },
      { name: 'clip.webm', mimeType: 'video/webm', buffer: await recordedVideo(alice, 160, 120) },
      { name: 'tune.ogg', mimeType: 'audio/ogg', buffer: Buffer.alloc(2_000_000, 5) },
    ];
    const here = (file: (typeof files)[number]) =>
      file.mimeType === 'image/png'
        ? bob.page.getByRole('img', { name: file.name, exact: true })
        : file.mimeType.startsWith('application/')
          ? bob.page.getByRole('link', { name: `Download ${file.name}` })
          : bob.page.getByLabel(file.name, { exact: true });
    for (const file of files) {
      const [stopAlice, stopBob] = [await recordRowFrames(alice), await recordRowFrames(bob)];
      await alice.page.getByLabel('Attach').setInputFiles(file);
      await alice.page.getByRole('list', { name: 'Files to send' }).getByText(file.name).waitFor();
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await here(file).waitFor({ timeout: 60_000 });
      const [aliceFrames, bobFrames] = [await stopAlice(), await stopBob()];
      for (const [who, frames] of [['Alice', aliceFrames], ['Bob', bobFrames]] as const) {
        const newest = frames.at(-1)!.rows.at(-1)!.id;
        const heights = new Set(frames.flatMap((f) => f.rows.filter((r) => r.id === newest).map((r) => Math.round(r.height))));
        expect([...heights], `${who}'s ${file.name} row`).toHaveLength(1);
      }
      // The sender's list of files to send closes in the frame her row shows, the list growing
      // by its height as the rows move up to the new one; it closed a few frames later, after
      // an "Encrypting…" line, and her rows moved down by 41 px (docs §11).
      for (const [who, frames] of [['Alice', aliceFrames], ['Bob', bobFrames]] as const) {
        expect(strayMoves(frames, frames.at(-1)!.rows.at(-1)!.id), `${who}'s ${file.name} row`).toEqual([]);
      }
      const mine = aliceFrames.at(-1)!.rows.at(-1)!.id;
      const shown = aliceFrames.findIndex((f) => f.rows.some((r) => r.id === mine));
      expect(aliceFrames[shown]!.clientHeight, "Alice's list grew as the files' list closed").toBeGreaterThan(aliceFrames[shown - 1]!.clientHeight);
      const newest = bobFrames.at(-1)!.rows.at(-1)!.id;
      // Not vacuous: the receiver's row did show its transfer line.
      expect(bobFrames.some((f) => f.rows.some((r) => r.id === newest && r.transfer))).toBe(true);
      if (file.mimeType.startsWith('video/')) {
        const boxes = new Set(bobFrames.flatMap((f) => f.rows.filter((r) => r.id === newest).map((r) => r.image)));
        expect([...boxes], "Bob's video box").toEqual(['320 × 240']);
      }
    }
  });

  it('the composer growing line by line keeps the end of the list in view in every frame', async () => {
    // The box grows with its text (field-sizing: content), which makes the list shorter in
    // that frame's layout; the pin followed only in the next frame, so the frame in between
    // was painted with the newest message cut off at the bottom by the growth.
    const stop = await recordRowFrames(bob);
    await bob.composer.pressSequentially('a long reply that wraps onto a second line and then a third one, '.repeat(7), { delay: 5 });
    const frames = await stop();
    await bob.composer.fill('');
    const heights = new Set(frames.map((f) => f.clientHeight));
    expect(heights.size, 'the list got shorter as the box grew').toBeGreaterThanOrEqual(3);
    const short = frames.map((f, i) => ({ i, short: f.scrollHeight - f.clientHeight - f.scrollTop })).filter((f) => f.short > 1);
    expect(short.map((f) => `frame ${f.i}: ${f.short} px short of the end`)).toEqual([]);
  });

  it('someone typing shows in the typing line without rendering the message list', async () => {
    const list = bob.page.locator('parley-message-list');
    const renders = () => list.evaluate((el) => (el as unknown as { renders: number }).renders);
    const before = await renders();
    await alice.composer.pressSequentially('thinking');
    const typing = bob.page.getByText('Alice is typing…');
    await typing.waitFor({ timeout: 10_000 });
    // The typing line shows; the log shows nothing new, so it was not rendered. (Read at once:
    // over a longer wait a receipt round may render the list for its own reasons.)
    expect(await renders()).toBe(before);
    await alice.composer.fill('');
    await typing.waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('scrolled up, arrivals offer "Jump to newest" with a count; an own send always scrolls', async () => {
    await wheelUp(alice, 3000);
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'burst 300 '))).toBe(false);
    const jump = alice.page.getByRole('button', { name: /^Jump to newest/ });
    await jump.waitFor();
    expect(await unpinnedBy(alice)).toBe('wheel');

    await bob.send('are you there?');
    await alice.page.getByRole('button', { name: 'Jump to newest, 1 new message' }).waitFor();
    expect(await bottomInView(alice, alice.messageRow('are you there?'))).toBe(false);

    // Own send: straight to it, whatever the scroll position.
    await alice.send('yes, here');
    await expect.poll(() => bottomInView(alice, alice.messageRow('yes, here'))).toBe(true);
    await expect.poll(() => jump.count()).toBe(0);

    await wheelUp(alice, 3000);
    // Scrolled up means the list says so; what arrives from now on is new.
    await jump.waitFor();
    await bob.send(tall('tall from Bob'));
    await bob.send('and a short one');
    await alice.page.getByRole('button', { name: 'Jump to newest, 2 new messages' }).click();
    await expect.poll(() => bottomInView(alice, alice.messageRow('and a short one'))).toBe(true);
    await expect.poll(() => jump.count()).toBe(0);
  });

  it('opens at the first unread message under an "Unread messages" divider', async () => {
    // Alice looks at something else while Bob writes a lot of tall messages.
    await alice.page.getByRole('link', { name: 'Settings' }).click();
    await bob.seedMessages(40, 1000);
    const conversation = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first();
    await conversation.getByLabel('40 unread').waitFor({ timeout: 20_000 });
    await conversation.click();

    const divider = alice.page.getByRole('separator', { name: 'Unread messages' });
    await divider.waitFor();
    expect(await unpinnedBy(alice)).toBe('unread');
    await expect.poll(() => topInView(alice, rowStarting(alice, 'message 1 '))).toBe(true);
    expect(await bottomInView(alice, rowStarting(alice, 'message 40 '))).toBe(false);
    await alice.page.getByRole('button', { name: 'Jump to newest, 40 new messages' }).click();
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'message 40 '))).toBe(true);
  });

  it('switching conversations after scrolling up opens each at its newest', async () => {
    await wheelUp(alice, 2000);
    await alice.page.getByRole('button', { name: /^Jump to newest/ }).waitFor();
    const before = new URL(alice.page.url()).hash;
    await alice.page.getByRole('button', { name: 'New conversation' }).click();
    // Wait for the new conversation itself: until it opens, the message box on screen is the
    // old conversation's (a CI run sent 'in another room' there).
    await alice.page.waitForFunction((previous) => /^#\/c\//.test(location.hash) && location.hash !== previous, before);
    await alice.composer.waitFor();
    await alice.send('in another room');
    const conversations = alice.page.getByRole('navigation', { name: 'Conversations' });
    await conversations
      .getByRole('link', { name: /message 40/ })
      .click()
      .catch(async (error: unknown) => {
        throw new Error(`no conversation in the list shows "message 40"; it reads:\n${await conversations.ariaSnapshot()}`, { cause: error });
      });
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'message 40 '))).toBe(true);
    expect(await alice.page.getByRole('separator', { name: 'Unread messages' }).count()).toBe(0);
  });

  it('resizing between phone and desktop keeps the newest in view', async () => {
    await alice.page.setViewportSize(PHONE);
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'message 40 '))).toBe(true);
    await bob.send(tall('tall at phone size'));
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'tall at phone size'))).toBe(true);
    await alice.send(tall('own tall at phone size'));
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'own tall at phone size'))).toBe(true);
    await alice.page.setViewportSize(DESKTOP);
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'own tall at phone size'))).toBe(true);
    await alice.page.setViewportSize(PHONE);
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'own tall at phone size'))).toBe(true);
    await alice.page.setViewportSize(DESKTOP);
  });

  it('reopened after reading it to the newest, a conversation follows what arrives later and holds nothing as unread', async () => {
    // The reload opens it from storage (the list loading) with Alice's read marker at its
    // newest; a message arriving once it has loaded is new, not the first unread at opening.
    await alice.page.reload();
    await alice.composer.waitFor();
    await alice.waitForPeers(1);
    await expect.poll(() => bottomInView(alice, rowStarting(alice, 'own tall at phone size'))).toBe(true);
    await bob.send('after the reload');
    await alice.waitForMessage('after the reload');
    await expect.poll(() => bottomInView(alice, alice.messageRow('after the reload'))).toBe(true);
    expect(await alice.page.getByRole('separator', { name: 'Unread messages' }).count()).toBe(0);
    expect(await unpinnedBy(alice)).toBe(null);
  });

  it("before its document loads, a file message's cached row names the file at the size of the row it becomes", async () => {
    // The cached newest messages kept their text alone: a file message's is its caption,
    // usually empty, so its row was an empty bubble until the document loaded, and then
    // changed into the file's row (docs §11); an image's stand-in now has its placeholder too. A text first: the oldest cached row carries the
    // day's separator until the history above it loads.
    await bob.send('two files follow');
    await alice.waitForMessage('two files follow');
    await bob.page.getByLabel('Attach').setInputFiles({ name: 'cached.png', mimeType: 'image/png', buffer: gradientPng(400, 300) });
    await bob.page.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.page.getByRole('img', { name: 'cached.png', exact: true }).waitFor({ timeout: 60_000 });
    await bob.page.getByLabel('Attach').setInputFiles({ name: 'cached.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(5000, 3) });
    await bob.page.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.page.getByRole('link', { name: 'Download cached.bin' }).waitFor({ timeout: 60_000 });
    const id = decodeURIComponent(new URL(alice.page.url()).hash.replace(/^#\/c\//, ''));
    // The record's cache is written with its preview, as the newest message changes.
    const cachedPreview = () =>
      alice.page.evaluate(
        (id) =>
          new Promise<string>((resolve, reject) => {
            const open = indexedDB.open('parley');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('conversations').objectStore('conversations').get(id);
              get.onsuccess = () => {
                open.result.close();
                resolve((get.result as { lastText?: string } | undefined)?.lastText ?? '');
              };
            };
          }),
        id,
      );
    await expect.poll(cachedPreview).toBe('📎 cached.bin');

    // Another tab holds the conversation's stored document (a long write), so after the reload
    // the conversation shows its cached rows until the tab lets go.
    const hold = await alice.context.newPage();
    await hold.goto(new URL('/icons/parley.svg', stage.app.url).href);
    await hold.evaluate(
      (id) =>
        new Promise<void>((resolve, reject) => {
          void indexedDB.databases().then((all) => {
            const name = all.map((d) => d.name ?? '').find((n) => n.startsWith('parley-doc-') && n.endsWith(id));
            if (!name) return reject(new Error(`no stored document for ${id}`));
            const open = indexedDB.open(name);
            open.onsuccess = () => {
              const store = open.result.transaction('updates', 'readwrite').objectStore('updates');
              const spin = (): void => {
                if ((window as unknown as { release?: boolean }).release) return;
                store.count().onsuccess = spin;
              };
              store.count().onsuccess = () => (spin(), resolve());
            };
          });
        }),
      id,
    );
    try {
      await alice.page.bringToFront();
      await alice.page.reload();
      const list = alice.page.getByRole('log');
      const standIn = alice.page.getByRole('img', { name: 'cached.png (loading)', exact: true });
      await standIn.waitFor({ timeout: 30_000 });
      // The image's blurred placeholder from the first frame (its thumbhash is cached too): the
      // old cache kept none, and the stand-in was a plain box until the message loaded.
      const placeholder = await standIn.evaluate((el) => getComputedStyle(el).backgroundImage);
      expect(placeholder).toMatch(/^url\("data:image\/png;base64,/);
      await list.getByText('cached.bin', { exact: true }).waitFor();
      // Nothing to fetch from a cached row: its Download comes with the message.
      expect(await list.getByRole('button', { name: 'Download cached.bin' }).count()).toBe(0);
      await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /📎 cached\.bin/ }).waitFor();
      expect(await alice.page.locator('parley-message-list').getAttribute('loading')).not.toBeNull();
      const stop = await recordRowFrames(alice);
      // Frames painted while the cached rows show, then the document loads.
      await alice.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      expect(await alice.page.locator('parley-message-list').getAttribute('loading')).not.toBeNull();
      await hold.evaluate(() => ((window as unknown as { release?: boolean }).release = true));
      await alice.page.getByRole('img', { name: 'cached.png', exact: true }).waitFor({ timeout: 60_000 });
      await alice.page.getByRole('link', { name: 'Download cached.bin' }).waitFor({ timeout: 60_000 });
      const frames = await stop();
      const [image, card] = frames.at(-1)!.rows.slice(-2);
      for (const row of [image!, card!]) {
        const heights = new Set(frames.flatMap((f) => f.rows.filter((r) => r.id === row.id).map((r) => Math.round(r.height))));
        expect([...heights], `row ${row.id}`).toHaveLength(1);
      }
      expect(image!.image).toBe('280 × 210');
      const loaded = alice.page.getByRole('button', { name: 'Open cached.png', exact: true });
      expect(await loaded.evaluate((el) => getComputedStyle(el).backgroundImage)).toBe(placeholder);
    } finally {
      await hold.close();
    }
  });
});
