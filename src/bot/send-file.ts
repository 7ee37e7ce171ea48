/**
 * Sending a file from a bot or the CLI with the browser's own file code (client/files,
 * docs/architecture.md §14): the file is read from disk as a file-backed Blob (never whole in
 * memory), sealed and stored in the profile's chunk store, and sent as a message.
 *
 * The bytes stay on this device until a member fetches them (there is no server-side blob
 * store yet), so `held` waits, after the message is acknowledged, until some member's device
 * has been served every chunk and the links to it have sent them: a one-shot
 * `parley send --file` must not exit before then.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ClientFiles } from '../client/files/client-files.js';
import type { ConversationSession } from '../client/conversation-session.js';
import { ClientError } from '../client/errors.js';
import type { FileRef } from '../core/files/file-ref.js';
import type { EventId } from '../core/ids.js';
import type { Mesh } from '../net/mesh.js';
import type { SentMessage } from './bot-events.js';
import { BotError } from './errors.js';
import { waitForAcknowledged } from './waits.js';

/** How far a file has gone out: bytes a member's device has been served, of `total`. */
export interface FileProgress {
  /** Waiting for a member to start fetching; being fetched; held whole by a member. */
  readonly phase: 'waiting' | 'fetching' | 'held';
  readonly name: string;
  readonly sent: number;
  readonly total: number;
}

export interface SendFileOptions {
  /** The message's text under the file (may be empty). */
  readonly caption?: string;
  /**
   * How long to wait for the acknowledgement, and then for the fetch to move: it fails only
   * after this long without progress (default 30 s). The message is saved either way.
   */
  readonly timeoutMs?: number;
  /** False: resolve on acknowledgement, without waiting for a member to fetch the bytes. */
  readonly waitHeld?: boolean;
  readonly onProgress?: (progress: FileProgress) => void;
}

export interface SentFile extends SentMessage {
  readonly root: string;
  readonly name: string;
  readonly size: number;
}

/** Checks the path before anything is read: a clear BotError('bad-file') for what cannot be sent. */
async function openFile(file: string, max: number): Promise<{ blob: Blob; name: string }> {
  let info;
  try {
    info = await stat(file);
  } catch (cause) {
    throw new BotError('bad-file', `no such file: ${file}`, { path: file }, { cause });
  }
  if (!info.isFile()) throw new BotError('bad-file', `not a file: ${file}`, { path: file });
  if (info.size === 0) throw new BotError('bad-file', `the file is empty: ${file}`, { path: file });
  if (info.size > max) throw new BotError('bad-file', `the file is ${info.size} bytes, over the server's limit of ${max}: ${file}`, { path: file, max });
  try {
    return { blob: await openAsBlob(file), name: path.basename(file) };
  } catch (cause) {
    throw new BotError('bad-file', `cannot read ${file}`, { path: file }, { cause });
  }
}

/** SCTP may still be retransmitting what left the buffer; a moment before links close. */
const LINGER_MS = 1_000;

/** Resolves once every link to `device` has nothing queued or buffered, and a moment after. */
async function linksDrained(mesh: Mesh, device: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (mesh.links().some((l) => l.device === device && l.link.isOpen && l.link.pendingBytes > 0)) {
    if (Date.now() > deadline) throw new BotError('not-acknowledged', 'the last chunks of the file did not leave in time');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, LINGER_MS));
}

export async function sendFileFrom(files: ClientFiles, mesh: Mesh, session: ConversationSession, file: string, options: SendFileOptions = {}): Promise<SentFile> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { blob, name } = await openFile(file, files.maxFileBytes);
  let id: EventId;
  try {
    id = await files.send(session, { blob, name }, options.caption ?? '');
  } catch (cause) {
    if (cause instanceof ClientError && (cause.code === 'file-empty' || cause.code === 'file-too-large' || cause.code === 'file-unreadable')) {
      throw new BotError('bad-file', `cannot send ${file} (${cause.code})`, { path: file }, { cause });
    }
    throw cause;
  }
  const ref = session.timeline.get(id)?.file;
  if (!ref) throw new Error('the file message is not in the timeline');
  const sent: SentFile = { id, conversation: session.id, root: ref.root, name: ref.name, size: ref.size };
  // Listen for the first fetch before waiting on the acknowledgement: it may finish first.
  const held = options.waitHeld === false ? null : waitForHeld(files, (device, ms) => linksDrained(mesh, device, ms), ref, timeoutMs, options.onProgress);
  try {
    await waitForAcknowledged(session, id, timeoutMs);
    await held?.done;
  } finally {
    held?.cancel();
  }
  return sent;
}

function waitForHeld(
  files: ClientFiles,
  drained: (device: string, timeoutMs: number) => Promise<void>,
  ref: FileRef,
  idleMs: number,
  onProgress?: (p: FileProgress) => void,
): { done: Promise<void>; cancel: () => void } {
  let cancel = (): void => undefined;
  const done = new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        cancel();
        reject(
          new BotError('not-acknowledged', `no member fetched ${ref.name} within ${Math.round(idleMs / 1000)} s; the message is sent and the file is served whenever this profile is online`, {
            root: ref.root,
          }),
        );
      }, idleMs);
    };
    let last = -1;
    const onChanged = (root: string): void => {
      if (root !== ref.root) return;
      const view = files.view(ref);
      const sent = view?.state === 'moving' ? view.done : -1;
      if (sent > last) {
        last = sent;
        arm();
        onProgress?.({ phase: 'fetching', name: ref.name, sent, total: ref.size });
      }
    };
    const onHeld = (root: string, device: string): void => {
      if (root !== ref.root) return;
      cancel();
      // "Served" means handed to the link; the last chunks may still be queued. Exiting now
      // would cut them off, so wait until that device's links have sent everything.
      void drained(device, idleMs).then(() => {
        onProgress?.({ phase: 'held', name: ref.name, sent: ref.size, total: ref.size });
        resolve();
      }, reject);
    };
    cancel = () => {
      clearTimeout(timer);
      files.off('changed', onChanged);
      files.off('held', onHeld);
    };
    files.on('changed', onChanged);
    files.on('held', onHeld);
    arm();
    onProgress?.({ phase: 'waiting', name: ref.name, sent: 0, total: ref.size });
  });
  // A rejection nobody awaits yet (the acknowledgement failed first) is not unhandled.
  done.catch(() => undefined);
  return { done, cancel };
}
