/**
 * Which files of a conversation a device should have (src/client/files/conversation-files.ts,
 * docs/architecture.md §14.4): the walk `resume` makes and the live path (`arrivedFiles`)
 * answer by one rule. Pure logic over a real `Timeline`; the session is a stand-in that
 * gives the log, who the membership shows, the shown timeline and which epochs' roots are here.
 */
import { describe, expect, it } from 'vitest';
import { arrivedFiles, conversationFiles, type FilesSource } from '../../../src/client/files/conversation-files.js';
import type { ConversationEvent } from '../../../src/core/events.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import type { DeviceId, EventId } from '../../../src/core/ids.js';
import { Timeline } from '../../../src/core/timeline.js';

const ALICE = 'alice' as DeviceId;
const BOB = 'bob' as DeviceId;
/** Removed: their messages after `k` 100 count for nothing. */
const DAVE = 'dave' as DeviceId;
const ROOT = 'A'.repeat(43);
const SALT = 'B'.repeat(22);

let clock = 0;
function event(kind: 'message' | 'delete', author: DeviceId, fields: Record<string, unknown>): ConversationEvent {
  clock += 1;
  return { id: `e${clock}` as EventId, kind, author, at: 1_000 + clock, c: 1, k: clock, n: '', prev: '', sig: '', text: '', ...fields } as unknown as ConversationEvent;
}

function file(name: string, epoch: string): FileRef {
  return { name, type: 'application/octet-stream', size: 10, sha256: ROOT, chunk: 65_536, root: `${name}-root`, epoch, salt: SALT, kdf: 'root' };
}

/** `shown` are the events the timeline shows; keys derive for epoch `held` only. */
function source(log: readonly ConversationEvent[], shown: readonly ConversationEvent[]): FilesSource {
  const timeline = new Timeline();
  timeline.add([...shown]);
  return {
    synced: { log: { readAll: () => [...log] } },
    membership: { shows: (e: Pick<ConversationEvent, 'author' | 'k'>) => e.author !== DAVE || e.k < 100 },
    timeline,
    me: BOB,
    fileRoot: async (epoch: string) => (epoch === 'held' ? ROOT : null),
    epochSecret: () => null,
  } as unknown as FilesSource;
}

const names = (files: ReadonlyArray<{ file: FileRef }>): string[] => files.map((f) => f.file.name).sort();

describe('the files a device should have', () => {
  it('takes shown rows even before their key, hidden rows only with their key, never a deleted file or a removed member’s', async () => {
    const shownKeyless = event('message', ALICE, { file: file('shown-keyless', 'later') });
    const shownDeleted = event('message', ALICE, { file: file('shown-deleted', 'held') });
    const hiddenKeyless = event('message', ALICE, { file: file('hidden-keyless', 'older') });
    const hiddenKeyed = event('message', ALICE, { file: file('hidden-keyed', 'held') });
    const hiddenDeleted = event('message', ALICE, { file: file('hidden-deleted', 'held') });
    const mine = event('message', BOB, { file: file('mine', 'held') });
    clock = 200;
    const removed = event('message', DAVE, { file: file('removed', 'held') });
    const deletes = [event('delete', ALICE, { target: shownDeleted.id }), event('delete', ALICE, { target: hiddenDeleted.id })];
    const log = [shownKeyless, shownDeleted, hiddenKeyless, hiddenKeyed, hiddenDeleted, mine, removed, ...deletes];
    const session = source(log, [shownKeyless, shownDeleted, mine, deletes[0]!]);

    const walked = await conversationFiles(session);
    expect(names(walked.wanted)).toEqual(['hidden-keyed', 'mine', 'shown-keyless']);
    expect([...walked.deleted].sort()).toEqual([shownDeleted.id, hiddenDeleted.id].sort());
    expect(walked.wanted.find((f) => f.file.name === 'mine')?.mine).toBe(true);

    // The same events arriving one by one, or all at once, get the same answer.
    const oneByOne = (await Promise.all(log.map((e) => arrivedFiles(session, [e])))).flat();
    expect(names(oneByOne)).toEqual(names(walked.wanted));
    expect(await arrivedFiles(session, log)).toEqual(oneByOne);
  });
});
