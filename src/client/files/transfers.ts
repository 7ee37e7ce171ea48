/**
 * What the UI shows about each file of this device (docs/architecture.md §14.4): whether its
 * bytes are here, how far a transfer in either direction got, and the object URL of a finished
 * file. Pure bookkeeping; `ClientFiles` drives it.
 */

export type TransferState =
  /** Not here, and not being fetched (auto-download rules said no, or it was cancelled). */
  | 'idle'
  /** Being fetched; nobody online has it right now. */
  | 'waiting'
  /** Bytes are moving (to this device, or from it to another member). */
  | 'moving'
  /** Every byte is here and checked. */
  | 'done'
  /** Cancelled on this device. */
  | 'cancelled'
  /** Storing or checking failed; see the client's error. */
  | 'failed';

export interface FileView {
  readonly root: string;
  readonly name: string;
  readonly size: number;
  /** Plaintext bytes per chunk. */
  readonly chunk: number;
  /** `receive`: this device fetches it; `send`: this device sent it and serves it. */
  readonly direction: 'send' | 'receive';
  readonly state: TransferState;
  /** Plaintext bytes moved so far (for `send`: to the member furthest along). */
  readonly done: number;
  /** An object URL of the plaintext, once it is here and opened. */
  readonly url: string | null;
  /**
   * The sender's copy in the mailbox's blob area, for members who are offline: being put
   * there, there, or refused by the server (the client's `error` says why). Absent: not sent
   * through the mailbox (too large for it, or not sent from this device).
   */
  readonly mailbox?: MailboxCopy;
  /** Not fetched: it would take the conversation's media past this device's budget. */
  readonly overBudget?: boolean;
}

export type MailboxCopy = 'uploading' | 'stored' | 'refused';

export class Transfers {
  private readonly views = new Map<string, FileView>();

  get(root: string): FileView | undefined {
    return this.views.get(root);
  }

  set(root: string, view: FileView): FileView {
    this.views.set(root, view);
    return view;
  }

  update(root: string, change: Partial<Omit<FileView, 'root'>>): FileView | undefined {
    const view = this.views.get(root);
    if (!view) return undefined;
    const next = { ...view, ...change };
    this.views.set(root, next);
    return next;
  }

  /** Forgets a file, releasing its object URL. */
  drop(root: string): void {
    const url = this.views.get(root)?.url;
    if (url) URL.revokeObjectURL(url);
    this.views.delete(root);
  }

  clear(): void {
    for (const root of [...this.views.keys()]) this.drop(root);
  }
}
