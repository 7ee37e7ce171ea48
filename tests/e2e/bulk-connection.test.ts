/**
 * A direct link's bulk connection opens at the link's first file, not with the link
 * (docs/architecture.md §14.2, "The bulk channel on a connection of its own"; docs/protocol.md
 * §8.1): real Chromium, real WebRTC, the real server, the real bulk worker.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import {
  attach,
  bulkReadyAt,
  bytesByConnection,
  downloadedHash,
  peerConnectionsMade,
  recordPeerConnections,
  sendAttached,
  sha256,
  transferCounts,
  watchBulkReady,
  type MadeConnection,
} from '../helpers/file-page.js';
import { ParleyUser } from '../helpers/parley-user.js';

/** The 20 MB file fits; the mailbox keeps none of these files, so every chunk comes from a member over the link. */
const stage = useAppStage({ maxFileBytes: 21 * 1024 * 1024, mailboxMaxFileBytes: 64 * 1024 });

/** Alice and Bob in one conversation, linked, each page counting the RTCPeerConnections it makes. */
async function pairCounted(): Promise<{ alice: ParleyUser; bob: ParleyUser }> {
  const { alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url, {
    beforeStart: (a, b) => Promise.all([recordPeerConnections(a.context), recordPeerConnections(b.context)]),
  });
  return { alice, bob };
}

const kinds = (made: readonly MadeConnection[]): string[] => made.map((m) => (m.bulk ? 'bulk' : 'link'));

describe('the bulk connection opens with the first file', () => {
  it('texts alone make one connection per page; the first file opens the bulk connection and arrives whole; a 20 MB file after it goes entirely over the bulk channel', async () => {
    const { alice, bob } = await pairCounted();
    await alice.send('only words so far');
    await bob.waitForMessage('only words so far');
    await bob.send('words back');
    await alice.waitForMessage('words back');
    // Texts both ways, and each page holds the link's connection only (before: two each).
    expect(kinds(await peerConnectionsMade(alice)), 'Alice').toEqual(['link']);
    expect(kinds(await peerConnectionsMade(bob)), 'Bob').toEqual(['link']);
    await expect(bytesByConnection(bob)).resolves.toEqual([{ link: expect.any(Number) as number, bulk: null }]);

    // The first file: its get opens the bulk connection on both pages; chunks that leave
    // before the lane is ready go on the link's own channel, and the file is whole either way.
    await Promise.all([watchBulkReady(alice), watchBulkReady(bob)]);
    const first = randomBytes(1024 * 1024);
    await attach(alice, 'first.bin', 'application/octet-stream', first);
    await sendAttached(alice);
    expect(await downloadedHash(bob, 'first.bin')).toBe(sha256(first));
    const [aliceMade, bobMade] = await Promise.all([peerConnectionsMade(alice), peerConnectionsMade(bob)]);
    expect(kinds(aliceMade), 'Alice').toEqual(['link', 'bulk']);
    expect(kinds(bobMade), 'Bob').toEqual(['link', 'bulk']);
    const firstCounts = await transferCounts(bob);
    // 1 MiB in chunks of 64 KiB, by either way.
    expect(firstCounts.inBand! + firstCounts.bulk!, JSON.stringify(firstCounts)).toBe(16);
    // How long the lane took, on loopback (docs/architecture.md §14.2): from the first bulk
    // connection made (the task of the first get, on the link's initiator) to connected, and
    // to both workers ready.
    let ready: Array<number | null> = [null, null];
    for (const deadline = Date.now() + 10_000; ready.includes(null) && Date.now() < deadline; ) {
      ready = await Promise.all([bulkReadyAt(alice), bulkReadyAt(bob)]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready, 'both lanes ready').not.toContain(null);
    const bulks = [...aliceMade, ...bobMade].filter((m) => m.bulk);
    const made = Math.min(...bulks.map((m) => m.at));
    console.log(
      `[bulk connection] from made to connected ${Math.max(...bulks.map((m) => m.connected ?? NaN)) - made} ms, to both lanes ready ${Math.max(...(ready as number[])) - made} ms; the first file's chunks at Bob: ${JSON.stringify(firstCounts)}`,
    );

    // With the lane up, a 20 MB file goes entirely over the bulk channel, worker to worker:
    // no chunk of it reached either page's thread as a message of the link's own channel,
    // and its bytes came on the bulk connection, not the link's. At Bob every chunk's bytes
    // went from the bulk worker straight to the opening worker (§14.2, "Worker to worker").
    const [aliceBefore, bytesBefore] = await Promise.all([transferCounts(alice), bytesByConnection(bob)]);
    const big = randomBytes(20 * 1024 * 1024);
    await attach(alice, 'big.bin', 'application/octet-stream', big);
    await sendAttached(alice);
    expect(await downloadedHash(bob, 'big.bin')).toBe(sha256(big));
    const [bobAfter, aliceAfter, bytesAfter] = await Promise.all([transferCounts(bob), transferCounts(alice), bytesByConnection(bob)]);
    expect({ inBand: bobAfter.inBand! - firstCounts.inBand!, bulk: bobAfter.bulk! - firstCounts.bulk!, direct: bobAfter.direct! - firstCounts.direct! }).toEqual({ inBand: 0, bulk: 320, direct: 320 });
    expect({ sentInBand: aliceAfter.sentInBand! - aliceBefore.sentInBand!, sentBulk: aliceAfter.sentBulk! - aliceBefore.sentBulk! }).toEqual({ sentInBand: 0, sentBulk: 320 });
    const moved = { link: bytesAfter[0]!.link - bytesBefore[0]!.link, bulk: bytesAfter[0]!.bulk! - bytesBefore[0]!.bulk! };
    expect(moved.bulk, JSON.stringify(moved)).toBeGreaterThan(20 * 1024 * 1024);
    expect(moved.link, JSON.stringify(moved)).toBeLessThan(2 * 1024 * 1024);
    // Still one bulk connection per page: it stays open for the link's life.
    expect(kinds(await peerConnectionsMade(alice)), 'Alice').toEqual(['link', 'bulk']);
    expect(kinds(await peerConnectionsMade(bob)), 'Bob').toEqual(['link', 'bulk']);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('while the receiving page is busy for 2 s mid-transfer, chunks that came meanwhile are stored: they go from the bulk worker to the opening worker, not through the page', async () => {
    const { alice, bob } = await pairCounted();
    // A first file opens the bulk connection; the next one goes on it.
    await Promise.all([watchBulkReady(alice), watchBulkReady(bob)]);
    const first = randomBytes(1024 * 1024);
    await attach(alice, 'first.bin', 'application/octet-stream', first);
    await sendAttached(alice);
    expect(await downloadedHash(bob, 'first.bin')).toBe(sha256(first));
    const big = randomBytes(20 * 1024 * 1024);
    await attach(alice, 'big.bin', 'application/octet-stream', big);
    await sendAttached(alice);
    // On Bob's page: once a sixth of the file was heard, its thread is held 2 s, and what was
    // stored is counted by a request made in the hold's last task, so it does not wait for the
    // page (IndexedDB runs transactions in the order they were made). No transaction of the
    // page's is open during the hold: one would keep the opening worker's writes waiting.
    const seen = await bob.page.evaluate(async () => {
      const counts = (): Record<string, number> => (document.querySelector('parley-app') as unknown as { files: { transferCounts: Record<string, number> } }).files.transferCounts;
      const heard = (): number => counts().inBand! + counts().bulk!;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('parley-files');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => resolve(open.result);
      });
      const count = (): Promise<number> =>
        new Promise((resolve, reject) => {
          const q = db.transaction('chunks', 'readonly').objectStore('chunks').count();
          q.onsuccess = () => resolve(q.result);
          q.onerror = () => reject(q.error);
        });
      const before = { heard: heard(), stored: await count() };
      while (heard() - before.heard < 320 / 6) await new Promise((r) => setTimeout(r, 5));
      const heardAtStart = heard() - before.heard;
      const until = performance.now() + 2000;
      while (performance.now() < until) {
        // The page's thread is busy: no task of it runs.
      }
      const storedAtEnd = (await count()) - before.stored;
      db.close();
      return { heardAtStart, storedAtEnd };
    });
    // Before, every chunk crossed the page's thread before it was stored, so no more could be
    // stored by the hold's end than the page had heard at its start.
    expect(seen.storedAtEnd, JSON.stringify(seen)).toBeGreaterThan(seen.heardAtStart);
    expect(await downloadedHash(bob, 'big.bin')).toBe(sha256(big));
    await Promise.all([alice.close(), bob.close()]);
  });
});
