/**
 * SignalingClient destroyed while its socket is still connecting (src/net/signaling-client.ts),
 * with Node's `ws` as bots and the command line use it: closing a socket that has not
 * connected makes `ws` emit an error, and one nobody heard was thrown out of the process (a
 * clean-clone CI run failed on it when a bot stopped while it reconnected).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';

let server: Server | null = null;
const held: Socket[] = [];

afterEach(async () => {
  for (const socket of held.splice(0)) socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

describe('SignalingClient.destroy', () => {
  it('while the socket is still connecting, throws nothing out of the process', async () => {
    // A server that takes the upgrade request and never answers it: the socket stays connecting.
    server = createServer();
    let upgraded!: () => void;
    const asked = new Promise<void>((resolve) => (upgraded = resolve));
    server.on('upgrade', (_req, socket: Socket) => {
      held.push(socket);
      upgraded();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      let socket: WebSocket | null = null;
      const signaling = new SignalingClient({ url, createSocket: (u) => (socket = new WebSocket(u)) as unknown as SocketLike }).start();
      await asked;
      expect(socket!.readyState).toBe(WebSocket.CONNECTING);
      signaling.destroy();
      // The socket's error, if unheard, is thrown on a later turn (and its close never comes):
      // wait for the close, 2 s at most.
      await Promise.race([new Promise((resolve) => socket!.once('close', resolve)), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
