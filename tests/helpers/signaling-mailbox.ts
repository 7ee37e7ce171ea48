/**
 * Mailbox credentials and a small HTTP client for `/api/mailbox/:id` tests. A token is 32
 * random bytes (base64url); its mailbox id is their SHA-256 (hex), as the wire contract says.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MAILBOX_PATH } from '../../src/core/wire/mailbox.js';

export interface MailboxCredentials {
  readonly id: string;
  readonly token: string;
}

export function newMailbox(): MailboxCredentials {
  const bytes = randomBytes(32);
  return { id: createHash('sha256').update(bytes).digest('hex'), token: bytes.toString('base64url') };
}

/** A writer key (32 random bytes, base64url) and the writer id its appends name (its SHA-256, hex). */
export interface Writer {
  readonly key: string;
  readonly id: string;
}

export function newWriter(): Writer {
  const bytes = randomBytes(32);
  return { key: bytes.toString('base64url'), id: createHash('sha256').update(bytes).digest('hex') };
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface ListedEntry {
  readonly seq: number;
  readonly at: number;
  readonly data: string;
}

export interface ListedPage {
  readonly entries: ListedEntry[];
  readonly more: boolean;
}

export class MailboxClient {
  constructor(
    private readonly httpUrl: string,
    readonly box: MailboxCredentials,
    /** Appends name this writer and deletes present its key (docs/protocol.md §5); null: neither. */
    readonly writer: Writer | null = newWriter(),
  ) {}

  get url(): string {
    return `${this.httpUrl}${MAILBOX_PATH}/${this.box.id}`;
  }

  /** Any request against this mailbox, authorised with its token unless `headers` overrides it. */
  async request<T = Record<string, unknown>>(method: string, query = '', init: { body?: Uint8Array<ArrayBuffer> | string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.url}${query}`, {
      method,
      headers: { Authorization: `Bearer ${this.box.token}`, 'Content-Type': 'application/octet-stream', ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  append(data: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}): Promise<ApiResponse<{ seq: number; error?: string; detail?: string }>> {
    return this.request('POST', '', { body: data, headers: { ...(this.writer ? { 'X-Parley-Writer': this.writer.id } : {}), ...headers } });
  }

  async list(after = 0, limit?: number): Promise<ListedPage> {
    const res = await this.request<ListedPage>('GET', `?after=${after}${limit === undefined ? '' : `&limit=${limit}`}`);
    if (res.status !== 200) throw new Error(`list answered ${res.status}`);
    return res.body;
  }

  /** Every entry, following `more` page by page. */
  async listAll(limit?: number): Promise<ListedEntry[]> {
    const all: ListedEntry[] = [];
    for (let after = 0; ; ) {
      const page = await this.list(after, limit);
      all.push(...page.entries);
      if (!page.more) return all;
      after = page.entries.at(-1)!.seq;
    }
  }

  deleteUpTo(upTo: number): Promise<ApiResponse<{ deleted: number }>> {
    return this.request('DELETE', `?upTo=${upTo}`, this.writer ? { headers: { 'X-Parley-Writer-Key': this.writer.key } } : {});
  }
}

/** Entry payloads the tests append: base64url of the exact bytes, as the server returns them. */
export const b64 = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');
