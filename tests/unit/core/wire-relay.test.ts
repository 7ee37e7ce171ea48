import { describe, expect, it } from 'vitest';
import { decodeRelayFrame, encodeRelayFrame, parseClientMessage, parseServerMessage, RELAY_HEADER_BYTES } from '../../../src/core/wire/signaling.js';

const ADDR = '0123456789abcdef0123456789abcdef';

describe('relay frames (docs/protocol.md §1.2)', () => {
  it('round-trips an address and a payload', () => {
    const payload = new Uint8Array([9, 8, 7]);
    const bytes = encodeRelayFrame(ADDR, payload);
    expect(bytes.length).toBe(RELAY_HEADER_BYTES + 3);
    const frame = decodeRelayFrame(bytes);
    expect(frame?.addr).toBe(ADDR);
    expect([...frame!.payload]).toEqual([9, 8, 7]);
  });

  it('refuses bad addresses, tags and short headers', () => {
    expect(() => encodeRelayFrame('XYZ', new Uint8Array())).toThrow(TypeError);
    expect(() => encodeRelayFrame(ADDR.toUpperCase(), new Uint8Array())).toThrow(TypeError);
    const bytes = encodeRelayFrame(ADDR, new Uint8Array([1]));
    expect(decodeRelayFrame(bytes.subarray(0, RELAY_HEADER_BYTES - 1))).toBeNull();
    const wrongTag = bytes.slice();
    wrongTag[0] = 2;
    expect(decodeRelayFrame(wrongTag)).toBeNull();
    expect(decodeRelayFrame(bytes.subarray(0, RELAY_HEADER_BYTES))?.payload.length).toBe(0);
  });
});

describe('relay and mailbox-notice messages', () => {
  const id = 'a'.repeat(64);
  const token = 'A'.repeat(43);

  it('parses the client messages and refuses malformed ones', () => {
    expect(parseClientMessage('{"type":"relay-bind"}')).toEqual({ ok: true, value: { type: 'relay-bind' } });
    expect(parseClientMessage(JSON.stringify({ type: 'mailbox-watch', id, token }))).toEqual({ ok: true, value: { type: 'mailbox-watch', id, token } });
    expect(parseClientMessage(JSON.stringify({ type: 'mailbox-watch', id: 'b'.repeat(63), token })).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'mailbox-watch', id, token: 'short' })).ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'mailbox-unwatch', id }))).toEqual({ ok: true, value: { type: 'mailbox-unwatch', id } });
    expect(parseClientMessage(JSON.stringify({ type: 'mailbox-unwatch', id: 42 })).ok).toBe(false);
  });

  it('parses the server messages and refuses malformed ones', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'relay-bound', addr: ADDR }))).toEqual({ ok: true, value: { type: 'relay-bound', addr: ADDR } });
    expect(parseServerMessage(JSON.stringify({ type: 'relay-gone', addr: ADDR }))).toEqual({ ok: true, value: { type: 'relay-gone', addr: ADDR } });
    expect(parseServerMessage(JSON.stringify({ type: 'relay-bound', addr: 'nothex' })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'mailbox-notice', id, seq: 3 }))).toEqual({ ok: true, value: { type: 'mailbox-notice', id, seq: 3 } });
    expect(parseServerMessage(JSON.stringify({ type: 'mailbox-notice', id, seq: 0 })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'mailbox-notice', id, seq: 1.5 })).ok).toBe(false);
  });
});
