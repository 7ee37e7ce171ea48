/**
 * Serves the control socket (control.ts) for the process holding a profile, and adapts a
 * `ParleyBot` to `BotOps` for commands run in that same process.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { errorField, type Logger } from '../core/logger.js';
import { eventJson, type EventJson } from './bot-events.js';
import { controlSocketPath, readLines, type BotOps, type ControlAnswer, type ControlRequest } from './control.js';
import { BotError } from './errors.js';
import type { ParleyBot } from './parley-bot.js';
import type { FileProgress } from './send-file.js';

/** `BotOps` over a bot of this process. */
export function localOps(bot: ParleyBot): BotOps {
  return {
    info: async () => ({ name: bot.name, identity: bot.identity, contactLink: bot.contactLink, safetyDigits: bot.safetyDigits, profile: bot.profileDir, server: bot.server }),
    join: (invite, timeoutMs, onProgress) => bot.join(invite, { timeoutMs, ...(onProgress ? { onProgress } : {}) }),
    create: (title) => bot.create(title),
    conversations: async () => bot.conversations(),
    history: (conversation, limit) => bot.history(conversation, limit),
    send: (conversation, text, options) => bot.send(conversation, text, options),
    sendFile: (conversation, file, options, onProgress) => bot.sendFile(conversation, file, { ...options, ...(onProgress ? { onProgress } : {}) }),
    react: (conversation, message, emoji) => bot.react(conversation, message, emoji),
    async subscribe(conversations, onEvent) {
      const wanted = new Set<string>();
      for (const ref of conversations) wanted.add((await bot.join(ref)).id);
      const listener = (event: Parameters<typeof eventJson>[0]): void => {
        if (wanted.size === 0 || wanted.has(event.conversation.id)) onEvent(eventJson(event));
      };
      bot.on('event', listener);
      return () => bot.off('event', listener);
    },
  };
}

const OPS = new Set<string>(['info', 'join', 'create', 'conversations', 'history', 'send', 'sendFile', 'react', 'subscribe']);

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly path: string;

  constructor(
    profileDir: string,
    private readonly ops: BotOps,
    private readonly logger: Logger,
  ) {
    this.path = controlSocketPath(profileDir);
  }

  /** Listens on the socket (the caller holds the profile lock, so an old socket is stale). */
  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const releases: Array<() => void> = [];
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      releases.forEach((r) => r());
    });
    const answer = (a: ControlAnswer): void => {
      if (!socket.destroyed) socket.write(JSON.stringify(a) + '\n');
    };
    readLines(socket, (line) => {
      let request: ControlRequest;
      try {
        request = JSON.parse(line) as ControlRequest;
        if (!Number.isSafeInteger(request.id) || !OPS.has(request.op) || !Array.isArray(request.args)) throw new Error('bad request');
      } catch {
        socket.destroy();
        return;
      }
      const stream = { event: (event: EventJson) => answer({ id: request.id, event }), progress: (progress: FileProgress) => answer({ id: request.id, progress }) };
      void this.run(request, stream, releases).then(
        (result) => answer({ id: request.id, ok: true, result: result ?? null }),
        (error: unknown) => {
          if (!(error instanceof BotError)) this.logger.warn('control request failed', { op: request.op, error: errorField(error) });
          answer({ id: request.id, ok: false, error: { code: error instanceof BotError ? error.code : 'internal', message: (error as Error).message } });
        },
      );
    });
  }

  private async run(request: ControlRequest, stream: { event: (event: EventJson) => void; progress: (progress: FileProgress) => void }, releases: Array<() => void>): Promise<unknown> {
    const a = request.args;
    switch (request.op) {
      case 'subscribe': {
        const refs = Array.isArray(a[0]) ? a[0].map((r) => text(r)) : [];
        releases.push(await this.ops.subscribe(refs, stream.event));
        return null;
      }
      case 'info':
        return this.ops.info();
      case 'join':
        return this.ops.join(text(a[0]), count(a[1]));
      case 'create':
        return this.ops.create(text(a[0], true));
      case 'conversations':
        return this.ops.conversations();
      case 'history':
        return this.ops.history(text(a[0]), count(a[1]));
      case 'send': {
        const o = (typeof a[2] === 'object' && a[2] !== null ? a[2] : {}) as { replyTo?: unknown; timeoutMs?: unknown };
        return this.ops.send(text(a[0]), text(a[1]), { ...(o.replyTo !== undefined ? { replyTo: text(o.replyTo) } : {}), ...(o.timeoutMs !== undefined ? { timeoutMs: count(o.timeoutMs) } : {}) });
      }
      case 'sendFile': {
        // The holder reads the path with the rights of the profile's owner, who alone can
        // reach this socket; only absolute paths, so the holder's working directory never matters.
        const file = text(a[1]);
        if (!path.isAbsolute(file)) throw new BotError('bad-file', 'the file path must be absolute', { path: file });
        const o = (typeof a[2] === 'object' && a[2] !== null ? a[2] : {}) as { caption?: unknown; timeoutMs?: unknown };
        const options = { ...(o.caption !== undefined ? { caption: text(o.caption, true) } : {}), ...(o.timeoutMs !== undefined ? { timeoutMs: count(o.timeoutMs) } : {}) };
        return this.ops.sendFile(text(a[0]), file, options, stream.progress);
      }
      case 'react':
        return this.ops.react(text(a[0]), text(a[1]), text(a[2]));
    }
  }
}

/** Arguments are checked like any input: strings and counts of sane size only. */
function text(x: unknown, empty = false): string {
  if (typeof x !== 'string' || x.length > 100_000 || (!empty && x.length === 0)) throw new BotError('bad-message', 'malformed control request');
  return x;
}

function count(x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new BotError('bad-message', 'malformed control request');
  return x;
}
