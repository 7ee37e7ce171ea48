/**
 * The bulk connection's signalling (docs/architecture.md §14.2, "The bulk channel on a
 * connection of its own"; docs/protocol.md §8.1): every message from the network is
 * size-capped and checked field by field before it reaches the connection. Real Chromium
 * opens the connection in tests/e2e/files.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BULK_SIGNAL, parseSignal } from '../../../src/net/files/bulk-connection.js';

describe('bulk connection signalling', () => {
  it('takes a hello, an offer, an answer and a candidate as they are sent', () => {
    expect(parseSignal(JSON.stringify({ t: 'hello' }))).toEqual({ t: 'hello' });
    expect(parseSignal(JSON.stringify({ t: 'offer', sdp: 'v=0' }))).toEqual({ t: 'offer', sdp: 'v=0' });
    expect(parseSignal(JSON.stringify({ t: 'answer', sdp: 'v=0' }))).toEqual({ t: 'answer', sdp: 'v=0' });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' };
    expect(parseSignal(JSON.stringify({ t: 'ice', candidate }))).toEqual({ t: 'ice', candidate });
    expect(parseSignal(JSON.stringify({ t: 'ice', candidate: { candidate: '' } }))).toEqual({ t: 'ice', candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null } });
  });

  it('refuses anything else: not text, over the cap, not JSON, unknown or extra fields, wrong types', () => {
    const bad: Array<[string, unknown]> = [
      ['binary', new ArrayBuffer(8)],
      ['over the cap', JSON.stringify({ t: 'offer', sdp: 'x'.repeat(MAX_BULK_SIGNAL) })],
      ['not JSON', '{t: offer'],
      ['null', 'null'],
      ['an array', '[]'],
      ['unknown type', JSON.stringify({ t: 'hello', sdp: 'v=0' })],
      ['extra field', JSON.stringify({ t: 'offer', sdp: 'v=0', more: 1 })],
      ['a hello with a field', JSON.stringify({ t: 'hello', sdp: 'v=0' })],
      ['sdp not text', JSON.stringify({ t: 'answer', sdp: 5 })],
      ['candidate missing', JSON.stringify({ t: 'ice' })],
      ['candidate not text', JSON.stringify({ t: 'ice', candidate: { candidate: 7 } })],
      ['sdpMid not text', JSON.stringify({ t: 'ice', candidate: { candidate: '', sdpMid: 1 } })],
      ['sdpMLineIndex not a number', JSON.stringify({ t: 'ice', candidate: { candidate: '', sdpMLineIndex: '0' } })],
      ['usernameFragment not text', JSON.stringify({ t: 'ice', candidate: { candidate: '', usernameFragment: 2 } })],
    ];
    for (const [what, data] of bad) expect(parseSignal(data), what).toBeNull();
  });
});
