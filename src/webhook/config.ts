/**
 * The webhook server's configuration file (JSON), validated before anything starts:
 *
 * ```json
 * { "host": "127.0.0.1", "port": 8787,
 *   "incoming": [{ "token": "…32+ random characters…", "conversation": "ID, title or invite" }],
 *   "outgoing": [{ "url": "https://ci.example/hook", "secret": "…", "conversations": ["…"] }] }
 * ```
 */
import { readFileSync } from 'node:fs';

export interface IncomingHookConfig {
  /** The secret part of the hook's URL (`POST /hooks/TOKEN`); at least 16 characters. */
  readonly token: string;
  /** Where its posts go: a conversation id, exact title or invite link. */
  readonly conversation: string;
}

export interface OutgoingHookConfig {
  /** Receives each event as a JSON POST; it then sees those messages in plaintext. */
  readonly url: string;
  /** HMAC-SHA256 key of the `X-Parley-Signature-256` header; at least 16 characters. */
  readonly secret: string;
  /** Which conversations to forward (ids, titles or invites); all when absent. */
  readonly conversations?: readonly string[];
  /** Which event types to forward (`message`, `edit`, `delete`, `reaction`, `join`, `leave`); all when absent. */
  readonly events?: readonly string[];
}

export interface WebhookConfig {
  readonly host: string;
  readonly port: number;
  readonly incoming: readonly IncomingHookConfig[];
  readonly outgoing: readonly OutgoingHookConfig[];
}

export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
  readonly code = 'bad-config';
}

const EVENT_TYPES = new Set(['message', 'edit', 'delete', 'reaction', 'join', 'leave']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown, where: string): string[] => {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0)) throw new WebhookConfigError(`${where} must be a list of strings`);
  return v as string[];
};
const secret = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v.length < 16) throw new WebhookConfigError(`${where} must be a string of at least 16 characters`);
  return v;
};

export function parseWebhookConfig(raw: unknown): WebhookConfig {
  if (!isObject(raw)) throw new WebhookConfigError('the config must be a JSON object');
  const port = raw.port ?? 8787;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new WebhookConfigError('port must be an integer 0–65535');
  const host = raw.host ?? '127.0.0.1';
  if (typeof host !== 'string') throw new WebhookConfigError('host must be a string');
  const incoming = (Array.isArray(raw.incoming) ? raw.incoming : raw.incoming === undefined ? [] : null)?.map((h: unknown, i) => {
    if (!isObject(h) || typeof h.conversation !== 'string') throw new WebhookConfigError(`incoming[${i}] needs token and conversation`);
    return { token: secret(h.token, `incoming[${i}].token`), conversation: h.conversation };
  });
  if (!incoming) throw new WebhookConfigError('incoming must be a list');
  if (new Set(incoming.map((h) => h.token)).size !== incoming.length) throw new WebhookConfigError('incoming tokens must differ');
  const outgoing = (Array.isArray(raw.outgoing) ? raw.outgoing : raw.outgoing === undefined ? [] : null)?.map((h: unknown, i) => {
    if (!isObject(h) || typeof h.url !== 'string') throw new WebhookConfigError(`outgoing[${i}] needs url and secret`);
    let url: URL;
    try {
      url = new URL(h.url);
    } catch {
      throw new WebhookConfigError(`outgoing[${i}].url is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookConfigError(`outgoing[${i}].url must be http or https`);
    const events = h.events === undefined ? undefined : strings(h.events, `outgoing[${i}].events`);
    if (events?.some((e) => !EVENT_TYPES.has(e))) throw new WebhookConfigError(`outgoing[${i}].events: one of ${[...EVENT_TYPES].join(', ')}`);
    return {
      url: url.href,
      secret: secret(h.secret, `outgoing[${i}].secret`),
      ...(h.conversations === undefined ? {} : { conversations: strings(h.conversations, `outgoing[${i}].conversations`) }),
      ...(events ? { events } : {}),
    };
  });
  if (!outgoing) throw new WebhookConfigError('outgoing must be a list');
  if (incoming.length + outgoing.length === 0) throw new WebhookConfigError('no hooks: add incoming or outgoing entries');
  return { host, port, incoming, outgoing };
}

export function readWebhookConfig(file: string): WebhookConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WebhookConfigError(`cannot read ${file}`, { cause });
  }
  try {
    return parseWebhookConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof WebhookConfigError) throw error;
    throw new WebhookConfigError(`${file} is not JSON`, { cause: error });
  }
}
