/**
 * WebSocket clients and process readings for the signaling-server rows: both servers speak
 * y-webrtc's protocol, so the same clients drive either.
 */
import { readFile } from 'node:fs/promises';
import { WebSocket } from 'ws';

/** A topic of Parley's shape (hex, 64 characters) from a number. */
export const topicFor = (i: number): string => `bench${i.toString(16).padStart(59, '0')}`;

/** Opens a client, subscribes it to `topics`, and resolves once the server has answered a ping after that. */
function subscribedClient(url: string, topics: readonly string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const fail = (error: Error): void => {
      ws.terminate();
      reject(error);
    };
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`closed with ${code} before subscribing`)));
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics }));
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    const onMessage = (data: Buffer): void => {
      if (!data.toString().includes('"pong"')) return;
      ws.off('message', onMessage);
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve(ws);
    };
    ws.on('message', onMessage);
  });
}

export async function openClients(url: string, count: number, topicsOf: (i: number) => string[]): Promise<WebSocket[]> {
  const clients: WebSocket[] = [];
  // Batches, so the handshakes do not pile up past the listen backlog.
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => subscribedClient(url, topicsOf(i + j)));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

export async function closeClients(clients: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );
}

export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}

/** CPU seconds (user + system) the process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
