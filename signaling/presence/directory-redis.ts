/**
 * {@link PresenceDirectory} shared by every node through Redis (docs/architecture.md §6).
 *
 * Keys: `parley:presence:<id>` is the set of nodes holding the id (online ⇔ non-empty);
 * `parley:held:<node>` the ids one node holds, so they can be released when that node dies;
 * `parley:nodes` a sorted set of nodes by heartbeat deadline. Each claim or release runs as
 * one Lua script, so "this made the set (non-)empty" is decided atomically and announced
 * exactly once, on channel `parley:p:<id>` (payload `1<ms>` online, `0<ms>` offline),
 * which a node subscribes to only while a local socket watches that id.
 *
 * A node that dies without releasing (SIGKILL, power) stops heartbeating; after
 * `nodeTtlMs` any live node's reaper releases its ids, announcing the offline ones and
 * recording their last-seen. Until then its ids still count as online: the price of not
 * pinging every holder. After Redis was unreachable (or restarted empty), the node resyncs:
 * it releases what it no longer holds, claims what it holds, and the registry re-reports
 * every watched id to its sockets.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PresenceState } from '../../src/core/wire/signaling.js';
import type { Logger } from '../logger.js';
import type { RedisFanout } from '../redis.js';
import type { PresenceDirectory, PresenceDirectoryEvents } from './directory.js';

const NODES = 'parley:nodes';
const heldKey = (node: string): string => `parley:held:${node}`;
const CHANNEL_PREFIX = 'parley:p:';

/**
 * Shared Lua: `emit(id, online, now)` publishes the change in the fan-out envelope of
 * ARGV[1] (the origin), so the origin's own subscriber skips it.
 */
const EMIT = `
local origin = ARGV[1]
local function emit(id, flag, now)
  redis.call('PUBLISH', '${CHANNEL_PREFIX}' .. id, string.char(#origin) .. origin .. flag .. now)
end`;

/** KEYS[1] held set; ARGV: origin, now, ids… → ids that went online. */
const CLAIM = `${EMIT}
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = 'parley:presence:' .. id
  redis.call('SADD', KEYS[1], id)
  if redis.call('SADD', key, origin) == 1 and redis.call('SCARD', key) == 1 then
    out[#out + 1] = id
    emit(id, '1', ARGV[2])
  end
end
return out`;

/** Removes `node` from each id's set; announces (and returns) the ids left with no holder. */
const RELEASE_FN = `
local function release(node, ids, now, out)
  for _, id in ipairs(ids) do
    local key = 'parley:presence:' .. id
    if redis.call('SREM', key, node) == 1 and redis.call('SCARD', key) == 0 then
      out[#out + 1] = id
      emit(id, '0', now)
    end
  end
end`;

/** KEYS[1] held set; ARGV: origin, now, ids… → ids that went offline. */
const RELEASE = `${EMIT}${RELEASE_FN}
local ids = {}
for i = 3, #ARGV do
  ids[#ids + 1] = ARGV[i]
  redis.call('SREM', KEYS[1], ARGV[i])
end
local out = {}
release(origin, ids, ARGV[2], out)
return out`;

/** KEYS[1] nodes; ARGV: origin, now → ids that went offline because their nodes died. */
const REAP = `${EMIT}${RELEASE_FN}
local out = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 10)) do
  local held = 'parley:held:' .. node
  release(node, redis.call('SMEMBERS', held), ARGV[2], out)
  redis.call('DEL', held)
  redis.call('ZREM', KEYS[1], node)
end
return out`;

/** KEYS[1] held set; ARGV: origin, now, ids held now… → ids that went offline (stale claims). */
const RESYNC = `${EMIT}${RELEASE_FN}
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
local stale = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not keep[id] then
    stale[#stale + 1] = id
    redis.call('SREM', KEYS[1], id)
  end
end
local out = {}
release(origin, stale, ARGV[2], out)
return out`;

/** KEYS…: presence sets → 1/0 per key. */
const ONLINE = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('EXISTS', key) end
return out`;

export interface RedisPresenceDirectoryOptions {
  readonly fanout: RedisFanout;
  readonly logger: Logger;
  /** A node that has not heartbeaten for this long is dead and its ids are released. */
  readonly nodeTtlMs?: number;
  /** Ids that went offline because their node died: their last-seen must be written. */
  readonly onReaped: (ids: readonly string[], at: number) => void;
  /** Wall clock, ms since epoch. */
  readonly now?: () => number;
}

type Script = 'claim' | 'release' | 'reap' | 'resync' | 'online';
const SCRIPTS: Readonly<Record<Script, string>> = { claim: CLAIM, release: RELEASE, reap: REAP, resync: RESYNC, online: ONLINE };

export class RedisPresenceDirectory extends ObservableV2<PresenceDirectoryEvents> implements PresenceDirectory {
  /** Ids held on this node: what a resync claims. */
  private readonly held = new Set<string>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  /** A claim or release failed (Redis down): resync when it is back. */
  private stale = false;
  private closed = false;

  constructor(private readonly opts: RedisPresenceDirectoryOptions) {
    super();
    this.ttlMs = opts.nodeTtlMs ?? 15_000;
    this.now = opts.now ?? Date.now;
    for (const [name, lua] of Object.entries(SCRIPTS)) opts.fanout.commands.defineCommand(`parley_${name}`, { lua });
    opts.fanout.on('reconnected', this.resync);
    // Heartbeat and reap on one timer, three times per TTL, so a live node never lapses.
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Registers this node's heartbeat; call once Redis is (probably) up. */
  async start(): Promise<void> {
    await this.tick();
  }

  claim(ids: readonly string[], now: number): void {
    for (const id of ids) this.held.add(id);
    void this.run('claim', [heldKey(this.origin)], now, ids).then((online) => this.announce(online, true, now));
  }

  release(ids: readonly string[], now: number): void {
    for (const id of ids) this.held.delete(id);
    void this.run('release', [heldKey(this.origin)], now, ids).then((offline) => this.announce(offline, false, now));
  }

  async online(ids: readonly string[]): Promise<ReadonlySet<string>> {
    if (ids.length === 0) return new Set();
    const flags = (await this.call('online', ids.map((id) => `parley:presence:${id}`), [])) as number[];
    return new Set(ids.filter((_, i) => flags[i] === 1));
  }

  follow(id: string): void {
    this.opts.fanout.join(CHANNEL_PREFIX + id, (payload) => {
      const text = payload.toString('utf8');
      const lastSeen = Number(text.slice(1));
      if ((text[0] !== '0' && text[0] !== '1') || !Number.isSafeInteger(lastSeen)) return;
      this.emit('changes', [[{ id, online: text[0] === '1', lastSeen }]]);
    });
  }

  unfollow(id: string): void {
    this.opts.fanout.leave(CHANNEL_PREFIX + id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.opts.fanout.off('reconnected', this.resync);
    // Whatever is still claimed was released by the registry's close; drop the heartbeat.
    await this.opts.fanout.commands.zrem(NODES, this.origin).catch(() => undefined);
    super.destroy();
  }

  private get origin(): string {
    return this.opts.fanout.origin;
  }

  /** Announces this node's own transitions locally (its subscriber skips its own publishes). */
  private announce(ids: readonly string[] | null, online: boolean, at: number): void {
    if (ids === null || ids.length === 0 || this.closed) return;
    const states: PresenceState[] = ids.map((id) => ({ id, online, lastSeen: at }));
    this.emit('changes', [states]);
  }

  private async tick(): Promise<void> {
    if (this.closed || !this.opts.fanout.ready()) return;
    const now = this.now();
    try {
      await this.opts.fanout.commands.zadd(NODES, now + this.ttlMs, this.origin);
      const reaped = (await this.call('reap', [NODES], [], now)) as string[];
      if (reaped.length > 0) {
        this.opts.logger.info('presence released for dead nodes', { ids: reaped.length });
        this.opts.onReaped(reaped, now);
        this.announce(reaped, false, now);
      }
    } catch {
      this.stale = true;
    }
    if (this.stale) this.resync();
  }

  /** After an outage: drop stale claims, claim what is held, and re-report everything. */
  private readonly resync = (): void => {
    if (this.closed) return;
    this.stale = false;
    const now = this.now();
    const ids = [...this.held];
    void this.run('resync', [heldKey(this.origin)], now, ids)
      .then((offline) => {
        this.announce(offline, false, now);
        return this.run('claim', [heldKey(this.origin)], now, ids);
      })
      .then((online) => {
        this.announce(online, true, now);
        this.emit('resynced', []);
      });
  };

  /** Runs a script with `origin, now, ...args`; null (and a resync later) when Redis is down. */
  private async run(script: Script, keys: readonly string[], now: number, args: readonly string[]): Promise<string[] | null> {
    if (args.length === 0 && script !== 'resync') return [];
    try {
      return (await this.call(script, keys, args, now)) as string[];
    } catch {
      this.stale = true;
      return null;
    }
  }

  private call(script: Script, keys: readonly string[], args: readonly string[], now = this.now()): Promise<unknown> {
    const commands = this.opts.fanout.commands as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>;
    return this.opts.fanout.latency.time(() => commands[`parley_${script}`]!(keys.length, ...keys, this.origin, now, ...args));
  }
}
