/**
 * The mailbox's blob area and removal (docs/architecture.md §14.6), with real peers on the
 * real stack: Node clients over WebRTC (@roamhq/wrtc), the real server and its SQLite, the
 * app's `ClientFiles` putting files into the mailbox.
 *
 * The blob area belongs to one epoch's mailbox, whose token derives from the epoch's secret.
 * A member removed before a file was sent holds no secret of that epoch, so every mailbox
 * credential she can make is refused by the blob area the file went to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import { blobIdOf, mailboxOfEpoch } from '../../../src/client/files/mailbox-files.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { MailboxClient, MailboxError } from '../../../src/net/mailbox-client.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { fileGroup } from '../../helpers/file-group.js';
import { waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

const fileOf = (s: ConversationSession, caption: string): FileRef | undefined => s.timeline.entries.find((e) => e.text === caption)?.file;
const bytesOf = (size: number, seed: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) & 0xff);

describe('the blob area after a removal', () => {
  it("a removed member's mailbox credentials do not open the blob area of a file sent after the removal", async () => {
    const http = new MailboxClient(app.url);
    const { peers, files, sessions, destroy } = await fileGroup(app, (peer) => new ClientFiles({ store: new MemoryChunkStore(), mesh: peer.mesh, mailbox: { client: http, maxFileBytes: 25 * 1024 * 1024 } }));
    const [aliceFiles] = files;
    const [group, bobs, carols] = sessions as [ConversationSession, ConversationSession, ConversationSession];
    const carol = peers[2]!;
    try {
      const carolsEpoch = carols.epoch;
      const carolsCredential = (await mailboxOfEpoch(carols.epochSecret(carolsEpoch)!))!;

      await group.changes.remove(carol.account.identity.sign);
      await waitUntil(() => group.epoch !== carolsEpoch, 'Alice to move to the new epoch', 20_000);
      const content = bytesOf(3 * 65_536 + 5, 7);
      await aliceFiles!.send(group, { blob: new Blob([content]), name: 'after.bin' }, 'after');
      const ref = fileOf(group, 'after')!;
      expect(ref.mailbox).toBe(true);
      await waitUntil(() => aliceFiles!.view(ref)?.mailbox === 'stored', 'the file to be in the mailbox', 20_000);

      // The file is in the new epoch's mailbox, which a remaining member can read...
      const current = (await mailboxOfEpoch(bobs.epochSecret(ref.epoch!) ?? (await waitForSecret(bobs, ref.epoch!))))!;
      expect(current.id).toBe(group.mailboxCredential!.id);
      expect(await http.getPiece(current.id, current.token, blobIdOf(ref), 'h')).not.toBeNull();
      // ...and Carol holds no secret of that epoch, so her only credential is her old epoch's.
      expect(carols.epochSecret(ref.epoch!)).toBeNull();
      expect(carolsCredential.id).not.toBe(current.id);
      for (const piece of ['h', 0] as const) {
        const refused = await http.getPiece(current.id, carolsCredential.token, blobIdOf(ref), piece).then(
          () => null,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(MailboxError);
        expect((refused as MailboxError).status).toBe(403);
      }
      // Her old mailbox never received the file.
      expect(await http.getPiece(carolsCredential.id, carolsCredential.token, blobIdOf(ref), 'h')).toBeNull();
    } finally {
      await destroy();
    }
  });
});

async function waitForSecret(session: ConversationSession, epoch: string): Promise<Uint8Array> {
  await waitUntil(() => session.epochSecret(epoch) !== null, 'Bob to hold the new epoch', 20_000);
  return session.epochSecret(epoch)!;
}
