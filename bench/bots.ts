/**
 * Row group: bots (headless members in Node, docs/architecture.md §12).
 *
 * 1. Throughput: a driver bot sends 200 messages at once into a conversation with an echo
 *    bot, which answers each with a reply; messages per second from the first send until the
 *    driver holds all 200 answers (receive, hand over, answer, acknowledge). Baseline: the
 *    same 200 into a conversation whose second bot only receives them (the hand-over without
 *    the answers).
 * 2. Memory: a bot on a SQLite profile that is a member of 100 conversations (each with 10
 *    messages), heap after a forced GC. Baseline: the same bot with no conversations.
 *
 * Both bots run in this process against a server child process (real WebRTC via
 * @roamhq/wrtc).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ParleyBot, type BotEvent } from '../src/bot/index.js';
import { silentLogger } from '../src/core/logger.js';
import { ServerProcess } from '../tests/helpers/server-process.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { formatBytes, formatRatio, sleep } from './stats.js';
import type { Row } from './table.js';

const MESSAGES = 200;
const CONVERSATIONS = 100;

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Messages per second for MESSAGES sent at once, answered (echo) or only received. */
async function throughput(url: string, answer: boolean): Promise<number> {
  const driver = await ParleyBot.start({ memory: true, server: url, name: 'Driver', logger: silentLogger });
  const other = await ParleyBot.start({ memory: true, server: url, name: answer ? 'Echo' : 'Sink', logger: silentLogger });
  try {
    let received = 0;
    other.on('message', async (msg) => {
      received++;
      if (answer) await msg.reply(`echo ${msg.text}`);
    });
    const answers: BotEvent[] = [];
    driver.on('message', (e) => void answers.push(e));
    const { id, invite } = await driver.create('Bench');
    await other.join(invite, { timeoutMs: 30_000 });
    const start = performance.now();
    // The clock stops when the last message (or answer) is handed over, not when the sends'
    // acknowledgements come back: acks are batched and would blur the comparison.
    const sends = Promise.all(Array.from({ length: MESSAGES }, (_, i) => driver.send(id, `m${i}`, { timeoutMs: 120_000 })));
    if (answer) await until(() => answers.length >= MESSAGES, 'the answers', 120_000);
    else await until(() => received >= MESSAGES, 'the messages', 120_000);
    const rate = MESSAGES / ((performance.now() - start) / 1000);
    await sends;
    return rate;
  } finally {
    await Promise.all([driver.stop(), other.stop()]);
  }
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap of a profile bot with `count` conversations of 10 messages each, after GC. */
async function memory(url: string, count: number): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-bench-bot-'));
  try {
    const setup = await ParleyBot.start({ profile: dir, server: url, name: 'Many', logger: silentLogger, listen: false, control: false });
    for (let i = 0; i < count; i++) {
      const { id } = await setup.create(`c${i}`);
      for (let m = 0; m < 10; m++) await setup.send(id, `message ${m} of conversation ${i}`, { timeoutMs: 1 }).catch(() => undefined);
    }
    await setup.stop();
    const bot = await ParleyBot.start({ profile: dir, logger: silentLogger, control: false });
    try {
      await sleep(2_000);
      if (bot.conversations().length !== count) throw new Error(`expected ${count} conversations, found ${bot.conversations().length}`);
      return heapAfterGc();
    } finally {
      await bot.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const botsGroup: BenchGroup = {
  name: 'bots',
  rows: [
    { metric: `Bot throughput: ${MESSAGES} messages received and answered`, goal: '—' },
    { metric: `Bot heap with ${CONVERSATIONS} conversations`, goal: '—' },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 600_000,
  async run(ctx): Promise<Row[]> {
    const server = await ServerProcess.start(ctx.appDir);
    ctx.defer(() => server.stop());
    // One discarded round first: loading wrtc and the JIT's warm-up would otherwise count
    // against whichever measurement runs first.
    progress('bots: warm-up');
    await throughput(server.url, true);
    progress('bots: throughput (receive only)');
    const sink = await throughput(server.url, false);
    progress('bots: throughput (echo)');
    const echo = await throughput(server.url, true);
    progress('bots: memory');
    const empty = await memory(server.url, 0);
    const many = await memory(server.url, CONVERSATIONS);
    return [
      {
        metric: `Bot throughput: ${MESSAGES} messages received and answered`,
        parley: `${echo.toFixed(0)} msg/s`,
        baseline: `${sink.toFixed(0)} msg/s received only`,
        ratio: formatRatio(echo, sink),
        goal: '—',
        met: null,
        note: `${MESSAGES} sent at once by a driver bot; an echo bot replies to each; from the first send until the driver was handed every reply. Baseline: from the first send until a bot that only receives was handed all 200.`,
      },
      {
        metric: `Bot heap with ${CONVERSATIONS} conversations`,
        parley: `${formatBytes(many)} (+${formatBytes((many - empty) / CONVERSATIONS)} per conversation)`,
        baseline: `${formatBytes(empty)} with none`,
        ratio: formatRatio(many, empty),
        goal: '—',
        met: null,
        note: `A bot on a SQLite profile, member of ${CONVERSATIONS} conversations of 10 messages each, heap after forced GC; all conversations loaded.`,
      },
    ];
  },
};
