/**
 * "Nothing acknowledged is lost" (docs/architecture.md §1.2) for the mailbox: the real
 * `signaling/main.ts` process is killed with SIGKILL in the middle of a flood of appends,
 * restarted on the same data directory, and every append that got its 201 is still there,
 * byte for byte, with its seq. The VAPID key pair survives the kill too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { b64, MailboxClient, newMailbox } from '../../helpers/signaling-mailbox.js';
import { LineProcess } from '../../helpers/signaling-process.js';

const LISTENING = /^Parley server listening on http:\/\/localhost:(\d+)$/;

let dir: string;
const procs: LineProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-durability-'));
});

afterEach(async () => {
  for (const p of procs.splice(0)) p.kill();
  await rm(dir, { recursive: true, force: true });
});

async function startMain(): Promise<{ proc: LineProcess; url: string }> {
  const proc = LineProcess.spawnTsx('signaling/main.ts', [], { PORT: '0', HOST: '127.0.0.1', STUN_PORT: '0', STATIC_DIR: path.join(dir, 'static'), DATA_DIR: path.join(dir, 'data') });
  procs.push(proc);
  const line = await proc.waitForLine((l) => LISTENING.test(l), 'the listening line');
  return { proc, url: `http://127.0.0.1:${LISTENING.exec(line)?.[1]}` };
}

const vapidKey = async (url: string): Promise<string> => ((await (await fetch(`${url}/api/push/vapid`)).json()) as { publicKey: string }).publicKey;

describe('mailbox durability', () => {
  it('SIGKILL in the middle of a flood of appends loses no acknowledged entry', async () => {
    const creds = newMailbox();
    const first = await startMain();
    const key = await vapidKey(first.url);
    const box = new MailboxClient(first.url, creds);
    const acked = new Map<number, string>();
    const KILL_AFTER = 25;
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        box.append(`entry-${i}`).then(
          (res) => {
            if (res.status !== 201) return;
            acked.set(res.body.seq, `entry-${i}`);
            // Kill the moment the 25th answer arrives, with the rest still in flight.
            if (acked.size === KILL_AFTER) first.proc.kill();
          },
          () => {
            // cut by the kill: not acknowledged, so it may or may not be stored
          },
        ),
      ),
    );
    expect((await first.proc.exited).signal).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acked.size).toBeLessThan(150); // the kill did land mid-flood

    const second = await startMain();
    const again = new MailboxClient(second.url, creds);
    const stored = await again.listAll();
    for (const [seq, data] of acked) expect(stored.find((e) => e.seq === seq)?.data, `seq ${seq}`).toBe(b64(data));
    // Sequence numbers stay dense and never go back after the crash.
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect((await again.append('after the crash')).body).toEqual({ seq: stored.length + 1 });
    expect(await vapidKey(second.url)).toBe(key);
  });
});
