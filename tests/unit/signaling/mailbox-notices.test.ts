/**
 * Live mailbox notices (docs/protocol.md §1.1) with real `ws` clients and real HTTP
 * appends: a socket that watches a mailbox, proving it holds the token, hears of every
 * committed append at once; nobody else does; the watch caps close only the offender.
 */
import { describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../src/core/wire/signaling.js';
import { SignalClient } from '../../helpers/raw-signal-client.js';
import { MailboxClient, newMailbox, type MailboxCredentials } from '../../helpers/signaling-mailbox.js';
import { waitUntil, metricsText } from '../../helpers/signaling-server.js';
import { useSignalStage } from '../../helpers/signal-stage.js';

const { server, open: client } = useSignalStage({ stunPort: null });

/** Watches `box` and waits until the server has handled it. */
async function watch(c: SignalClient, box: MailboxCredentials): Promise<void> {
  c.send({ type: 'mailbox-watch', id: box.id, token: box.token });
  await c.roundTrip();
}

const notices = (c: SignalClient): Record<string, unknown>[] => c.queue.filter((f) => f.type === 'mailbox-notice');

describe('mailbox notices', () => {
  it('every socket watching a mailbox gets {mailbox-notice, id, seq} after each append; others get nothing', async () => {
    const s = await server();
    const box = newMailbox();
    const other = newMailbox();
    const [a, b, bystander, otherWatcher] = [await client(s), await client(s), await client(s), await client(s)];
    await watch(a, box);
    await watch(b, box);
    await watch(otherWatcher, other);
    const http = new MailboxClient(s.httpUrl, box);
    for (let i = 1; i <= 3; i++) {
      const res = await http.append(`sealed-${i}`);
      expect(res.status).toBe(201);
      for (const c of [a, b]) expect(await c.next((f) => f.type === 'mailbox-notice')).toEqual({ type: 'mailbox-notice', id: box.id, seq: res.body.seq });
    }
    await Promise.all([bystander.roundTrip(), otherWatcher.roundTrip()]);
    expect(notices(bystander)).toEqual([]);
    expect(notices(otherWatcher)).toEqual([]);
    expect(s.server.deliveryMetrics.mailboxNotices).toBe(6);
  });

  it('the notice is on its way before the append answers 201', async () => {
    const s = await server();
    const box = newMailbox();
    const a = await client(s);
    await watch(a, box);
    const res = await new MailboxClient(s.httpUrl, box).append('x');
    expect(res.status).toBe(201);
    // Sent before the response on the same event-loop turn: one ping round trip is enough.
    await a.roundTrip();
    expect(notices(a)).toEqual([{ type: 'mailbox-notice', id: box.id, seq: res.body.seq }]);
  });

  it('a refused append (quota) sends no notice', async () => {
    const s = await server({ maxMailboxBytes: 10, maxEntryBytes: 10, mailboxWriterShare: 1 });
    const box = newMailbox();
    const a = await client(s);
    await watch(a, box);
    const http = new MailboxClient(s.httpUrl, box);
    expect((await http.append('0123456789')).status).toBe(201);
    expect((await http.append('more')).status).toBe(429);
    await a.roundTrip();
    expect(notices(a).map((n) => n.seq)).toEqual([1]);
  });

  it('watching again is harmless, unwatch stops notices, and a closed socket watches nothing', async () => {
    const s = await server();
    const box = newMailbox();
    const a = await client(s);
    await watch(a, box);
    await watch(a, box);
    const http = new MailboxClient(s.httpUrl, box);
    await http.append('1');
    await a.roundTrip();
    expect(notices(a)).toHaveLength(1);
    a.send({ type: 'mailbox-unwatch', id: box.id });
    await a.roundTrip();
    await http.append('2');
    await a.roundTrip();
    expect(notices(a)).toHaveLength(1);
    await watch(a, box);
    expect(s.server.deliveryStats().mailboxWatches).toBe(1);
    await a.close();
    await waitUntil(() => s.server.deliveryStats().mailboxWatches === 0, 'the watch to be dropped');
  });

  it('a watch that starts after appends is told the newest seq at once; a never-written mailbox says nothing', async () => {
    const s = await server();
    const [box, empty] = [newMailbox(), newMailbox()];
    const http = new MailboxClient(s.httpUrl, box);
    for (let i = 0; i < 2; i++) expect((await http.append(`before-${i}`)).status).toBe(201);
    const a = await client(s);
    await watch(a, empty);
    a.send({ type: 'mailbox-watch', id: box.id, token: box.token });
    // The device pulled before it watched: the entries between are not missed.
    expect(await a.next((f) => f.type === 'mailbox-notice')).toEqual({ type: 'mailbox-notice', id: box.id, seq: 2 });
    // Nothing for the empty mailbox, and watching again is not a new watch: no second answer.
    await watch(a, box);
    expect(notices(a)).toEqual([]);
  });

  it('a socket re-watching 1,000 mailboxes at once on reconnect is not rate-limited', async () => {
    const s = await server();
    const a = await client(s);
    const boxes = Array.from({ length: 1000 }, () => newMailbox());
    for (const box of boxes) a.send({ type: 'mailbox-watch', id: box.id, token: box.token });
    await a.roundTrip();
    expect(s.server.deliveryStats().mailboxWatches).toBe(1000);
    await new MailboxClient(s.httpUrl, boxes[999]!).append('last');
    expect(await a.next((f) => f.type === 'mailbox-notice')).toEqual({ type: 'mailbox-notice', id: boxes[999]!.id, seq: 1 });
  });
});

describe('mailbox watches refused', () => {
  it('a token that does not open the mailbox → 4401, and the socket watches nothing', async () => {
    const s = await server();
    const box = newMailbox();
    const bad = await client(s);
    bad.send({ type: 'mailbox-watch', id: box.id, token: newMailbox().token });
    expect(await bad.closed).toEqual({ code: CloseCodes.unauthorized, reason: 'the mailbox token does not open this mailbox' });
    expect(s.server.deliveryStats().mailboxWatches).toBe(0);
  });

  it('malformed watch messages → 4400', async () => {
    const s = await server();
    const box = newMailbox();
    for (const msg of [
      { type: 'mailbox-watch', id: box.id.toUpperCase(), token: box.token },
      { type: 'mailbox-watch', id: box.id },
      { type: 'mailbox-watch', id: box.id, token: `${box.token}=` },
      { type: 'mailbox-unwatch', id: 42 },
    ]) {
      const bad = await client(s);
      bad.send(msg);
      expect((await bad.closed).code, JSON.stringify(msg)).toBe(CloseCodes.malformed);
    }
  });

  it('more watches than the per-socket cap → 4413; a good watcher is unaffected', async () => {
    const s = await server({ maxMailboxWatchesPerSocket: 3 });
    const box = newMailbox();
    const good = await client(s);
    await watch(good, box);
    const bad = await client(s);
    for (let i = 0; i < 4; i++) {
      const b = newMailbox();
      bad.send({ type: 'mailbox-watch', id: b.id, token: b.token });
    }
    expect(await bad.closed).toEqual({ code: CloseCodes.tooManyTopics, reason: 'too many mailbox watches on this socket' });
    await new MailboxClient(s.httpUrl, box).append('still heard');
    expect((await good.next((f) => f.type === 'mailbox-notice')).id).toBe(box.id);
    expect(s.server.deliveryStats().mailboxWatches).toBe(1);
  });

  it('watch/unwatch churn past its own rate → 4429', async () => {
    const s = await server({ mailboxWatchBurst: 10, mailboxWatchesPerSecond: 1 });
    const box = newMailbox();
    const bad = await client(s);
    for (let i = 0; i < 20; i++) {
      bad.send({ type: 'mailbox-watch', id: box.id, token: box.token });
      bad.send({ type: 'mailbox-unwatch', id: box.id });
    }
    expect(await bad.closed).toEqual({ code: CloseCodes.rateLimited, reason: 'mailbox watches change too fast' });
  });

  it('the node-wide watch cap → 1008 for the socket that would pass it', async () => {
    const s = await server({ maxMailboxWatches: 2 });
    const a = await client(s);
    await watch(a, newMailbox());
    await watch(a, newMailbox());
    const b = await client(s);
    b.send({ type: 'mailbox-watch', ...newMailbox() });
    expect(await b.closed).toEqual({ code: CloseCodes.policyViolation, reason: 'mailbox watch capacity reached' });
    await a.roundTrip();
  });

  it('/metrics counts notices and watches, never a mailbox id', async () => {
    const s = await server();
    const box = newMailbox();
    const a = await client(s);
    await watch(a, box);
    await new MailboxClient(s.httpUrl, box).append('x');
    await a.next((f) => f.type === 'mailbox-notice');
    const text = await metricsText(s.httpUrl);
    expect(text).toMatch(/^parley_mailbox_notices_total 1$/m);
    expect(text).toMatch(/^parley_mailbox_watches 1$/m);
    expect(text).not.toContain(box.id);
  });
});
