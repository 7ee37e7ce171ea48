/**
 * Negotiated chunk sizes on a real data channel (simple-peer over @roamhq/wrtc, loopback ICE):
 * the path reports the SCTP message size both ends agreed, and once both links said hello a
 * 64 KiB file chunk crosses as one message (docs/protocol.md §2.3).
 */
import { describe, expect, it } from 'vitest';
import { FrameKinds, LINK_CHUNK, type Frame } from '../../../src/net/framing.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { waitUntil } from '../../helpers/node-peer.js';
import { wrtcPair } from '../../helpers/wrtc-pair.js';

const DOC = Uint8Array.from({ length: 16 }, (_, i) => i);

describe('link chunks over a real data channel', () => {
  it('sends a file chunk as one message once both hellos are through, and reassembles it intact', async () => {
    const pair = wrtcPair();
    const { a, b } = pair;
    const left = new PeerLink(a);
    const right = new PeerLink(b);
    const sizes: number[] = [];
    b.on('message', (bytes) => sizes.push(bytes.length));
    const got: Frame[] = [];
    right.on('frame', (f) => got.push(f));
    let leftGreeted = false;
    left.on('frame', (f) => (leftGreeted ||= f.kind === FrameKinds.hello));
    try {
      await waitUntil(() => left.isOpen && right.isOpen, 'both links open', 20_000);
      expect(a.maxMessage).toBe(256 * 1024);
      const hello: Frame = { kind: FrameKinds.hello, doc: new Uint8Array(), payload: Uint8Array.of(1) };
      left.send(hello);
      right.send(hello);
      // Each side cuts large chunks only once the other's hello arrived.
      await waitUntil(() => got.length === 1 && leftGreeted, 'both hellos through', 10_000);
      sizes.length = 0;
      const payload = Uint8Array.from({ length: 64 * 1024 + 50 }, (_, i) => (i * 7) & 0xff);
      left.send({ kind: FrameKinds.fileData, doc: DOC, payload });
      await waitUntil(() => got.length === 2, 'the file chunk', 10_000);
      expect(sizes).toHaveLength(1);
      expect(sizes[0]).toBeGreaterThan(64 * 1024);
      expect(sizes[0]).toBeLessThanOrEqual(LINK_CHUNK);
      expect(Buffer.from(got[1]!.payload).equals(Buffer.from(payload))).toBe(true);
    } finally {
      left.close();
      right.close();
      await pair.close();
    }
  });
});
