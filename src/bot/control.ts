/**
 * What commands ask of a running bot, and how they ask it when another process holds the
 * profile: a Unix socket in the profile directory (`control.sock`, mode 0600 inside the 0700
 * directory, so only the profile's owner can connect). One JSON request per line, one JSON
 * answer per line; `subscribe` streams event lines until the caller hangs up. So
 * `parley send` works while `parley listen` or a webhook server runs on the same profile.
 */
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import type { BotConversation, EventJson, SentMessage } from './bot-events.js';
import { BotError, BotErrorCodes, type BotErrorCode } from './errors.js';
import type { HistoryProgress } from '../net/room-sync.js';
import type { ConversationInfo, HistoryMessage } from './parley-bot.js';
import type { FileProgress, SentFile } from './send-file.js';

export const controlSocketPath = (profileDir: string): string => path.join(profileDir, 'control.sock');

/** Longest request or answer line; longer ones close the connection. */
export const MAX_CONTROL_LINE = 1024 * 1024;

export interface ProfileInfo {
  readonly name: string;
  readonly identity: string;
  readonly contactLink: string;
  readonly safetyDigits: string;
  readonly profile: string | null;
  readonly server: string;
}

/** The operations of the CLI, served by the process holding the profile. */
export interface BotOps {
  info(): Promise<ProfileInfo>;
  /** Joins and waits for the history; `onProgress` only where the bot runs in this process. */
  join(invite: string, timeoutMs: number, onProgress?: (progress: HistoryProgress) => void): Promise<BotConversation>;
  create(title: string): Promise<BotConversation & { readonly invite: string }>;
  conversations(): Promise<ConversationInfo[]>;
  history(conversation: string, limit: number): Promise<HistoryMessage[]>;
  send(conversation: string, text: string, options: { replyTo?: string; timeoutMs?: number }): Promise<SentMessage>;
  /** Sends the file at `file` (an absolute path the holder reads) and waits until a member holds it. */
  sendFile(conversation: string, file: string, options: { caption?: string; timeoutMs?: number }, onProgress?: (progress: FileProgress) => void): Promise<SentFile>;
  react(conversation: string, message: string, emoji: string): Promise<void>;
  /** Calls `onEvent` for each new event of the given conversations (all when empty) until released. */
  subscribe(conversations: readonly string[], onEvent: (event: EventJson) => void): Promise<() => void>;
}

export type ControlOp = Exclude<keyof BotOps, 'subscribe'> | 'subscribe';

export interface ControlRequest {
  readonly id: number;
  readonly op: ControlOp;
  readonly args: unknown[];
}

export type ControlAnswer =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string } }
  | { readonly id: number; readonly event: EventJson }
  | { readonly id: number; readonly progress: FileProgress };

/** Splits a byte stream into lines, refusing any longer than MAX_CONTROL_LINE. */
export function readLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) onLine(line);
    }
    if (buffered.length > MAX_CONTROL_LINE) socket.destroy(new Error('control line too long'));
  });
}

const isCode = (code: string): code is BotErrorCode => (BotErrorCodes as readonly string[]).includes(code);

/** Talks to the process holding a profile, through its control socket. */
export class ControlClient implements BotOps {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly streams = new Map<number, (event: EventJson) => void>();
  private readonly progress = new Map<number, (progress: FileProgress) => void>();

  private constructor(private readonly socket: Socket) {
    readLines(socket, (line) => this.onLine(line));
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new BotError('profile-busy', 'the process holding the profile closed the connection'));
      this.pending.clear();
    });
  }

  /** Connects, or throws BotError('profile-busy') when nobody answers on the socket. */
  static connect(profileDir: string, holder: number | null): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(controlSocketPath(profileDir));
      socket.once('connect', () => resolve(new ControlClient(socket)));
      socket.once('error', (cause) =>
        reject(new BotError('profile-busy', `the profile is in use by process ${holder ?? '?'}, which does not answer`, { pid: holder ?? 0 }, { cause })),
      );
    });
  }

  info = (): Promise<ProfileInfo> => this.call('info', []) as Promise<ProfileInfo>;
  join = (invite: string, timeoutMs: number): Promise<BotConversation> => this.call('join', [invite, timeoutMs]) as Promise<BotConversation>;
  create = (title: string): Promise<BotConversation & { readonly invite: string }> => this.call('create', [title]) as Promise<BotConversation & { invite: string }>;
  conversations = (): Promise<ConversationInfo[]> => this.call('conversations', []) as Promise<ConversationInfo[]>;
  history = (conversation: string, limit: number): Promise<HistoryMessage[]> => this.call('history', [conversation, limit]) as Promise<HistoryMessage[]>;
  send = (conversation: string, text: string, options: { replyTo?: string; timeoutMs?: number }): Promise<SentMessage> =>
    this.call('send', [conversation, text, options]) as Promise<SentMessage>;
  sendFile = async (conversation: string, file: string, options: { caption?: string; timeoutMs?: number }, onProgress?: (progress: FileProgress) => void): Promise<SentFile> => {
    const id = this.next;
    if (onProgress) this.progress.set(id, onProgress);
    try {
      return (await this.call('sendFile', [conversation, path.resolve(file), options])) as SentFile;
    } finally {
      this.progress.delete(id);
    }
  };
  react = async (conversation: string, message: string, emoji: string): Promise<void> => {
    await this.call('react', [conversation, message, emoji]);
  };

  async subscribe(conversations: readonly string[], onEvent: (event: EventJson) => void): Promise<() => void> {
    const id = this.next;
    this.streams.set(id, onEvent);
    await this.call('subscribe', [conversations]);
    return () => this.close();
  }

  close(): void {
    this.socket.end();
  }

  private call(op: ControlOp, args: unknown[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ id, op, args } satisfies ControlRequest) + '\n');
    });
  }

  private onLine(line: string): void {
    let answer: ControlAnswer;
    try {
      answer = JSON.parse(line) as ControlAnswer;
    } catch {
      this.socket.destroy();
      return;
    }
    if ('event' in answer) {
      this.streams.get(answer.id)?.(answer.event);
      return;
    }
    if ('progress' in answer) {
      this.progress.get(answer.id)?.(answer.progress);
      return;
    }
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    if (answer.ok) p.resolve(answer.result);
    else p.reject(isCode(answer.error.code) ? new BotError(answer.error.code, answer.error.message) : new Error(answer.error.message));
  }
}
