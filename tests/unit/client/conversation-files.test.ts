/**
 * Which files of a conversation a device should have (src/client/files/conversation-files.ts,
 * docs/architecture.md §14.4): the walk `resume` makes and the live path (`FileWants.arrived`)
 * answer by one rule, and keys arriving (`rekeyed`) look again at the hidden rows that waited
 * for them alone. Pure logic over a real `Timeline`; the session is a stand-in that gives the
 * log, who the membership shows, the shown timeline and which epochs' roots are here.
 */
import { describe, expect, it } from 'vitest';
import { FileWants, type FilesSource } from '../../../src/client/files/conversation-files.js';
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

/** `shown` are the events the timeline shows; keys derive for the epochs in `held` (`held` alone unless given). */
function source(log: readonly ConversationEvent[], shown: readonly ConversationEvent[], held: ReadonlySet<string> = new Set(['held']), walks = { count: 0 }): FilesSource {
  const timeline = new Timeline();
  timeline.add([...shown]);
  return {
    synced: {
      log: {
        readAll: () => {
          walks.count++;
          return [...log];
        },
      },
    },
    membership: { shows: (e: Pick<ConversationEvent, 'author' | 'k'>) => e.author !== DAVE || e.k < 100 },
    timeline,
    me: BOB,
    fileRoot: async (epoch: string) => (held.has(epoch) ? ROOT : null),
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

    const walked = await new FileWants(session).all();
    expect(names(walked.wanted)).toEqual(['hidden-keyed', 'mine', 'shown-keyless']);
    expect([...walked.deleted].sort()).toEqual([shownDeleted.id, hiddenDeleted.id].sort());
    expect(walked.wanted.find((f) => f.file.name === 'mine')?.mine).toBe(true);

    // The same events arriving one by one, or all at once, get the same answer.
    const live = new FileWants(session);
    const oneByOne = (await Promise.all(log.map((e) => live.arrived([e])))).flat();
    expect(names(oneByOne)).toEqual(names(walked.wanted));
    expect(await new FileWants(session).arrived(log)).toEqual(oneByOne);
  });

  it('on rekeyed, takes the hidden rows whose epoch’s key arrived or that show now, and looks at nothing else', async () => {
    const shown = event('message', ALICE, { file: file('shown', 'held') });
    const hiddenOlder = event('message', ALICE, { file: file('hidden-older', 'older') });
    const hiddenOlderDeleted = event('message', ALICE, { file: file('hidden-older-deleted', 'older') });
    const hiddenOldest = event('message', ALICE, { file: file('hidden-oldest', 'oldest') });
    const deletion = event('delete', ALICE, { target: hiddenOlderDeleted.id });
    const later = event('message', ALICE, { file: file('hidden-later', 'older') });
    const log = [shown, hiddenOlder, hiddenOlderDeleted, hiddenOldest, deletion];
    const held = new Set(['held']);
    const walks = { count: 0 };
    const session = source(log, [shown], held, walks);
    const wants = new FileWants(session);

    expect(names((await wants.all()).wanted)).toEqual(['shown']);
    // A hidden row arriving live while its key is not here waits with the others.
    expect(await wants.arrived([later])).toEqual([]);
    walks.count = 0;
    // Keys of an epoch no waiting row needs: no walk of the log, nothing wanted.
    held.add('newest');
    expect(await wants.rekeyed()).toEqual([]);
    expect(walks.count).toBe(0);
    // The older epoch's root arrives: its rows, not the deleted one, and never again.
    held.add('older');
    expect(names(await wants.rekeyed())).toEqual(['hidden-later', 'hidden-older']);
    expect(walks.count).toBe(1);
    expect(await wants.rekeyed()).toEqual([]);
    held.add('oldest');
    expect(names(await wants.rekeyed())).toEqual(['hidden-oldest']);
    // A waiting row the timeline shows now (a switch to full history) is wanted before its key.
    const unkeyed = event('message', ALICE, { file: file('shown-later', 'never') });
    expect(await wants.arrived([unkeyed])).toEqual([]);
    expect(await wants.rekeyed()).toEqual([]);
    (session.timeline as Timeline).add([unkeyed]);
    expect(names(await wants.rekeyed())).toEqual(['shown-later']);
    expect(await wants.rekeyed()).toEqual([]);
  });
});
