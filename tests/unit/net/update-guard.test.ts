/** The update guard checks peer updates before they touch a document (ARCHITECTURE §1.3). */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ConversationLog } from '../../../src/core/conversation.js';
import { createEvent } from '../../../src/core/events.js';
import type { DeviceId } from '../../../src/core/ids.js';
import { checkUpdate } from '../../../src/net/update-guard.js';

const ALICE = 'aliceDevice01' as DeviceId;
const updateOf = (fill: (doc: Y.Doc) => void): Uint8Array => {
  const doc = new Y.Doc();
  fill(doc);
  return Y.encodeStateAsUpdate(doc);
};

describe('update guard', () => {
  it('accepts schema updates', () => {
    const update = updateOf((d) => {
      new ConversationLog(d).append(ALICE, [createEvent({ kind: 'message', text: 'hi' }, ALICE, 1)]);
      d.getMap('members').set(ALICE, { name: 'Alice', at: 1 });
    });
    expect(checkUpdate(new Y.Doc(), update)).toEqual({ ok: true, empty: false });
  });

  it('rejects truncated and random bytes as malformed', () => {
    const update = updateOf((d) => d.getMap('meta').set('title', 'x'));
    for (const bad of [update.slice(0, update.length - 3), Uint8Array.of(5, 200, 200, 200), Uint8Array.of(1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)]) {
      const verdict = checkUpdate(new Y.Doc(), bad);
      expect(verdict.ok).toBe(false);
    }
  });

  it('rejects types outside the schema: text, nested types, unknown roots', () => {
    const cases = [
      updateOf((d) => d.getText('meta2').insert(0, 'x')),
      updateOf((d) => d.getMap('meta').set('nested', new Y.Map())),
      updateOf((d) => d.getArray('whatever').insert(0, [1])),
      updateOf((d) => d.getArray('members').insert(0, [1])),
    ];
    for (const update of cases) {
      const verdict = checkUpdate(new Y.Doc(), update);
      expect(verdict).toMatchObject({ ok: false, reason: 'forbidden' });
    }
  });

  it('reports a gap instead of letting structs wait in the pending store', () => {
    const source = new Y.Doc();
    const log = new ConversationLog(source);
    log.append(ALICE, [createEvent({ kind: 'message', text: 'one' }, ALICE, 1)]);
    const sv = Y.encodeStateVector(source);
    log.append(ALICE, [createEvent({ kind: 'message', text: 'two' }, ALICE, 2)]);
    const second = Y.encodeStateAsUpdate(source, sv);
    expect(checkUpdate(new Y.Doc(), second)).toMatchObject({ ok: false, reason: 'gap' });
  });
});
