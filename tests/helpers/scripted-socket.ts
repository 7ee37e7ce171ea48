/**
 * A scripted WebSocket for unit tests of signaling-client logic: the test opens, drops and
 * speaks for the server; everything the client sends is recorded (JSON parsed). Tests that
 * need the server's real behaviour use the real server on port 0 instead.
 */
import { SignalingClient, type SocketLike } from '../../src/net/signaling-client.js';

export class ScriptedSocket implements SocketLike {
  readyState = 0;
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  send(data: string | Uint8Array): void {
    this.sent.push(typeof data === 'string' ? JSON.parse(data) : data);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  serverSays(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** Messages the client sent whose type starts with `prefix`. */
  sentOfType(prefix: string): unknown[] {
    return this.sent.filter((m) => typeof m === 'object' && m !== null && String((m as { type?: unknown }).type).startsWith(prefix));
  }
}

/** A started signaling client whose sockets are scripted; `sockets` grows on each (re)connect. */
export function scriptedSignaling(): { signaling: SignalingClient; sockets: ScriptedSocket[] } {
  const sockets: ScriptedSocket[] = [];
  const signaling = new SignalingClient({
    url: 'http://server.test',
    createSocket: () => {
      const socket = new ScriptedSocket();
      sockets.push(socket);
      return socket;
    },
  }).start();
  return { signaling, sockets };
}
