/**
 * The newest messages a conversation record caches (src/client/conversation/reading.ts) and
 * the rows drawn from them before the document loads (docs/architecture.md §11): a file
 * message keeps what its row needs to say what it is, at its size, with an image's blurred
 * placeholder, and nothing that finds or opens its bytes; read back, it is checked.
 */
import { describe, expect, it } from 'vitest';
import { recentMessages } from '../../../src/client/conversation/reading.js';
import type { UnsignedEvent } from '../../../src/core/events.js';
import { isStandIn, parseCachedFile, standInRef, type FileRef } from '../../../src/core/files/file-ref.js';
import type { DeviceId, EventId } from '../../../src/core/ids.js';
import { Timeline } from '../../../src/core/timeline.js';

const A = 'aliceDevice01' as DeviceId;
const photo: FileRef = {
  name: 'beach.png',
  type: 'image/png',
  size: 120_000,
  sha256: 'S'.repeat(43),
  epoch: 'e1',
  salt: 'T'.repeat(22),
  kdf: 'root',
  chunk: 65_536,
  root: 'R'.repeat(43),
  // A real thumbhash's size: 25 bytes.
  thumb: 'Q'.repeat(34),
  w: 640,
  h: 400,
  mailbox: true,
};
const events: UnsignedEvent[] = [
  { id: 'text________' as EventId, kind: 'message', author: A, at: 10, text: 'look' },
  { id: 'photo_______' as EventId, kind: 'message', author: A, at: 20, text: '', file: photo },
];

describe('recent messages', () => {
  it("keep a file message's name, type, size, pixel size and thumbnail, never its root, hashes or key material", () => {
    const timeline = new Timeline();
    timeline.add(events);
    const [text, file] = recentMessages(timeline, () => 'Alice');
    expect(text).toEqual({ id: 'text________', author: A, name: 'Alice', at: 10, text: 'look' });
    expect(file!.file).toEqual({ name: 'beach.png', type: 'image/png', size: 120_000, thumb: photo.thumb, w: 640, h: 400 });
    const stored = JSON.stringify(file);
    for (const secret of [photo.root, photo.sha256, photo.salt!]) expect(stored).not.toContain(secret);
  });

  it('read back, keep a well-formed thumbnail, leave out one over 48 bytes or not base64url, and refuse a file with a bad field', () => {
    const cached = { name: 'beach.png', type: 'image/png', size: 120_000, thumb: photo.thumb, w: 640, h: 400 };
    expect(parseCachedFile(cached)).toEqual(cached);
    const { thumb: _, ...plain } = cached;
    for (const thumb of ['Q'.repeat(66), 'not base64!', '', 42]) expect(parseCachedFile({ ...cached, thumb })).toEqual(plain);
    // 48 bytes is the cap a message's thumbnail has too.
    expect(parseCachedFile({ ...cached, thumb: 'Q'.repeat(64) })).toEqual({ ...cached, thumb: 'Q'.repeat(64) });
    for (const bad of [{ name: '' }, { name: 'a/b' }, { type: 'IMAGE' }, { size: 0 }, { w: 0 }, { h: undefined }, { ms: -1 }, { voice: 'yes' }]) {
      expect(parseCachedFile({ ...cached, ...bad }), JSON.stringify(bad)).toBeNull();
    }
    expect(parseCachedFile(null)).toBeNull();
    // Fields a cache does not keep are not read back either.
    expect(parseCachedFile({ ...cached, root: photo.root })).toEqual(cached);
  });

  it('draw the file from a stand-in that nothing can fetch, replaced by the loaded message', () => {
    const before = new Timeline();
    before.add(events);
    const [, cached] = recentMessages(before, () => 'Alice');
    const timeline = new Timeline();
    timeline.addProvisional([{ id: cached!.id as EventId, kind: 'message', author: A, at: cached!.at, text: cached!.text, file: standInRef(cached!.file!) }]);
    const shown = timeline.get(cached!.id as EventId)!.file!;
    expect(isStandIn(shown)).toBe(true);
    expect(shown).toMatchObject({ name: 'beach.png', type: 'image/png', w: 640, h: 400 });
    timeline.add(events);
    const loaded = timeline.get(cached!.id as EventId)!.file!;
    expect(isStandIn(loaded)).toBe(false);
    expect(loaded.root).toBe(photo.root);
  });
});
