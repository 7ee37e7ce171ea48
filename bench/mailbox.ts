/**
 * Row group: the blind mailbox (docs/architecture.md §7.2).
 *
 * 1. Catch-up through the mailbox. Alice and Bob share a conversation; Bob closes. Alice
 *    adds 1,000 messages, they go to the mailbox, and she closes. Bob reopens the
 *    conversation: from navigation start to all 1,000 in his timeline and the first unread
 *    rendered (fetch, decrypt, authorize, apply, show). Baseline: the same return, but Alice
 *    stays online and Bob's mailbox requests are held, so the 1,000 arrive peer to peer.
 * 2. Mailbox append throughput on the embedded store. Node clients POST 1 KiB sealed-size
 *    entries to a server child process (SQLite, WAL, synchronous=FULL: each 201 is on
 *    disk). Baseline: the same SQLite settings with bare INSERTs in one process, one
 *    transaction each — the floor the HTTP, auth and quota work sits on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Route } from 'playwright-core';
import { MAILBOX_PATH, mailboxIdOf } from '../src/core/wire/mailbox.js';
import { launchChromium } from '../tests/helpers/browser.js';
import { ServerProcess } from '../tests/helpers/server-process.js';
import { newUser } from './browser.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { waitForQuietMachine } from './machine.js';
import { PARLEY_DOM, shownAt, shownAtScript, waitForTimeline } from './page-probes.js';
import { formatMs, formatRatio, median, sleep } from './stats.js';
import type { Row } from './table.js';

const MESSAGES = 1_000;
const CATCH_UP_GOAL = '≤ 1 s';
const THROUGHPUT_MS = 5_000;
const CONCURRENCY = 8;
const ENTRY_BYTES = 1024;

async function holdMailbox(context: BrowserContext): Promise<void> {
  const held: Route[] = [];
  await context.route(`**${MAILBOX_PATH}/**`, (route) => void held.push(route));
}

/**
 * Bob's return: navigation start → 1,000 new messages in the timeline and the first of them shown
 * (all are unread, so the list opens there, as messengers do, not at the newest).
 */
async function catchUp(viaMailbox: boolean, server: ServerProcess): Promise<number> {
  const browser = await launchChromium();
  try {
    const alice = await newUser(browser, 'Alice');
    const bob = await newUser(browser, 'Bob');
    await alice.start(server.url);
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    const url = bob.page.url();
    await bob.page.close();
    await alice.seedMessages(MESSAGES);
    await waitForTimeline(alice.page, MESSAGES);
    if (viaMailbox) {
      // The seed bypasses the send path; hand its writes to the mailbox explicitly.
      await alice.page.evaluate(async () => {
        const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): { mailbox: { push(force: boolean): Promise<boolean> } } } };
        for (const c of app.client.list()) await app.client.get(c.id).mailbox.push(true);
      });
      await alice.close();
    } else {
      await holdMailbox(bob.context);
    }
    await waitForQuietMachine(1.5, 15_000);
    await bob.context.addInitScript(shownAtScript(PARLEY_DOM, 'message 1', MESSAGES));
    bob.page = await bob.context.newPage();
    await bob.page.goto(url);
    await bob.page.waitForFunction(() => (window as unknown as { benchShownAt?: number }).benchShownAt !== undefined, null, { timeout: 60_000, polling: 100 });
    return (await shownAt(bob.page))!.sinceNavigation;
  } finally {
    await browser.close();
  }
}

async function appendThroughput(server: ServerProcess): Promise<number> {
  const body = randomBytes(ENTRY_BYTES);
  let done = 0;
  const end = performance.now() + THROUGHPUT_MS;
  // One mailbox per client: a single mailbox would reach its 10,000-entry quota.
  const worker = async (): Promise<void> => {
    const token = randomBytes(32).toString('base64url');
    const id = mailboxIdOf(token)!;
    while (performance.now() < end) {
      const res = await fetch(`${server.url}${MAILBOX_PATH}/${id}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`append answered ${res.status}`);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (done * 1000) / (performance.now() - started);
}

async function sqliteThroughput(): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-sqlite-'));
  const db = new Database(path.join(dir, 'floor.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE entries (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, data BLOB NOT NULL) STRICT');
    const insert = db.prepare('INSERT INTO entries (at, data) VALUES (?, ?)');
    const body = randomBytes(ENTRY_BYTES);
    let done = 0;
    const started = performance.now();
    while (performance.now() - started < THROUGHPUT_MS) {
      insert.run(Date.now(), body);
      done++;
    }
    return (done * 1000) / (performance.now() - started);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const mailboxGroup: BenchGroup = {
  name: 'mailbox',
  rows: [
    { metric: 'Catch-up through the mailbox, 1,000 messages', goal: CATCH_UP_GOAL },
    { metric: 'Mailbox append throughput (appends/s)', goal: 'report (no goal set)' },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 8 * 60_000,
  async run(ctx) {
    // Every bench client comes from 127.0.0.1: lift the per-address mailbox limits.
    const server = await ServerProcess.start(ctx.appDir, {
      env: { MAILBOX_APPENDS_PER_SECOND: '1000000', MAILBOX_APPEND_BYTES_PER_SECOND: '1000000000', MAILBOX_NEW_PER_MINUTE: '1000000', UPLOADS_PER_ADDRESS: '64' },
    });
    ctx.defer(() => server.stop());
    const mailbox: number[] = [];
    const p2p: number[] = [];
    for (let i = 0; i < 3; i++) {
      mailbox.push(await catchUp(true, server));
      p2p.push(await catchUp(false, server));
      progress(`  catch-up ${i + 1}: mailbox ${formatMs(mailbox.at(-1)!)}, peer-to-peer ${formatMs(p2p.at(-1)!)}`);
    }
    await sleep(500);
    const appends = await appendThroughput(server);
    const floor = await sqliteThroughput();
    progress(`  appends ${appends.toFixed(0)}/s, bare SQLite ${floor.toFixed(0)}/s`);
    const rows: Row[] = [
      {
        metric: 'Catch-up through the mailbox, 1,000 messages',
        parley: formatMs(median(mailbox)),
        baseline: `${formatMs(median(p2p))} (peer to peer)`,
        ratio: formatRatio(median(mailbox), median(p2p)),
        goal: CATCH_UP_GOAL,
        met: median(mailbox) <= 1_000,
        note: `Median of 3. Bob, a member who synced once, closed; Alice added ${MESSAGES.toLocaleString('en-US')} signed messages and handed them to the mailbox, then closed. Bob reopens the conversation: navigation start → all ${MESSAGES.toLocaleString('en-US')} in his timeline and the first unread one rendered (the list opens there; rAF poll), including page load. Baseline: the same return with Alice online and Bob's mailbox requests held, so the messages arrive peer to peer.`,
      },
      {
        metric: 'Mailbox append throughput (appends/s)',
        parley: `${Math.round(appends).toLocaleString('en-US')}/s`,
        baseline: `${Math.round(floor).toLocaleString('en-US')}/s (bare SQLite)`,
        ratio: formatRatio(appends, floor),
        goal: 'report (no goal set)',
        met: null,
        note: `${CONCURRENCY} Node clients, each with its own mailbox (one holds at most 10,000 entries), POST ${ENTRY_BYTES}-byte entries for ${THROUGHPUT_MS / 1000} s to one mailbox on a server child process (SQLite WAL, synchronous=FULL, every 201 committed). Baseline: bare INSERTs of the same size with the same settings, one transaction each, in one process.`,
      },
    ];
    return rows;
  },
};
