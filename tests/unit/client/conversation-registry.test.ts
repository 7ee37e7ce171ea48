/**
 * The conversation registry owns each conversation's lifecycle: one state per conversation
 * (cached → loading → ready), one load however many callers ask, and delete that stops
 * the session before erasing what is stored. The operations are recorded, not faked
 * behaviour: the registry does no I/O of its own.
 */
import { describe, expect, it } from 'vitest';
import { ConversationRegistry, rotatable, type RegistryOperations } from '../../../src/client/conversation-registry.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { Topic } from '../../../src/core/ids.js';
import type { ConversationKeys } from '../../../src/core/keys.js';
import type { ConversationRecord } from '../../../src/store/types.js';

const record = (id: string): ConversationRecord => ({ id: id as Topic, secret: 'x', title: '', createdAt: 1 });
const keys = {} as ConversationKeys;

function registry() {
  const log: string[] = [];
  let release: (() => void) | null = null;
  let failNext = false;
  const ops: RegistryOperations = {
    create: (r) => {
      log.push(`create ${r.id}`);
      return { id: r.id } as unknown as ConversationSession;
    },
    load: (s) => {
      log.push(`load ${s.id}`);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('disk on fire'));
      }
      return new Promise<void>((resolve) => (release = resolve));
    },
    close: async (s) => void log.push(`close ${s.id}`),
    erase: async (id) => void log.push(`erase ${id}`),
  };
  const reg = new ConversationRegistry(ops);
  return { reg, log, finishLoad: () => release?.(), failNextLoad: () => (failNext = true) };
}

describe('conversation registry', () => {
  it('moves a conversation from cached to loading to ready, loading it once', async () => {
    const { reg, log, finishLoad } = registry();
    const session = reg.add(record('a1'), keys);
    expect(reg.add(record('a1'), keys)).toBe(session);
    expect(reg.state('a1' as Topic)?.phase).toBe('cached');
    const first = reg.load('a1' as Topic);
    const second = reg.load('a1' as Topic);
    expect(reg.state('a1' as Topic)?.phase).toBe('loading');
    finishLoad();
    expect(await first).toBe(session);
    expect(await second).toBe(session);
    expect(reg.state('a1' as Topic)?.phase).toBe('ready');
    expect(await reg.load('a1' as Topic)).toBe(session);
    expect(log).toEqual(['create a1', 'load a1']);
  });

  it('returns to cached when a load fails, so it can be tried again', async () => {
    const { reg, failNextLoad, finishLoad } = registry();
    reg.add(record('b2'), keys);
    failNextLoad();
    await expect(reg.load('b2' as Topic)).rejects.toThrow('disk on fire');
    expect(reg.state('b2' as Topic)?.phase).toBe('cached');
    const again = reg.load('b2' as Topic);
    finishLoad();
    await again;
    expect(reg.state('b2' as Topic)?.phase).toBe('ready');
  });

  it('delete waits for a load under way, closes the session, then erases its data', async () => {
    const { reg, log, finishLoad } = registry();
    reg.add(record('c3'), keys);
    const loading = reg.load('c3' as Topic);
    const deleting = reg.delete('c3' as Topic);
    expect(reg.has('c3' as Topic)).toBe(false);
    finishLoad();
    await loading;
    await deleting;
    // A load that finished after the delete began does not bring the conversation back.
    expect(reg.state('c3' as Topic)).toBeUndefined();
    expect(log).toEqual(['create c3', 'load c3', 'close c3', 'erase c3']);
    await expect(reg.load('c3' as Topic)).rejects.toThrow(/unknown conversation/);
  });
});

describe('rotatable', () => {
  const session = (name: string, ready: boolean, ended: string | null, current: object | null) =>
    ({ name, ready, ended, membership: { state: { current } } }) as unknown as ConversationSession & { name: string };

  it('keeps only loaded sessions that have not ended and have a current epoch, in order', () => {
    const epoch = { id: 'e1' };
    const sessions = [
      session('ready', true, null, epoch),
      session('cached', false, null, epoch),
      session('ended', true, 'removed', epoch),
      session('no-epochs', true, null, null),
      session('also-ready', true, null, epoch),
    ];
    expect(rotatable(sessions).map((s) => s.name)).toEqual(['ready', 'also-ready']);
  });

  it('reads any iterable once and returns an empty list for none', () => {
    const epoch = { id: 'e1' };
    const once = new Set([session('a', true, null, epoch)]).values();
    expect(rotatable(once)).toHaveLength(1);
    expect(rotatable([])).toEqual([]);
  });
});
