/**
 * Zero lost acknowledged mailbox entries across node kills: writers append to their own
 * mailboxes through two Parley nodes sharing PostgreSQL and Redis while each node in turn is
 * SIGKILLed and restarted. A writer whose request fails (connection cut, 503) retries the
 * same entry on the other node. Every 201 is recorded (mailbox, seq, SHA-256 of the bytes);
 * at the end every mailbox is read back and each acknowledged entry must be there, intact.
 * Unacknowledged attempts that committed anyway show up as duplicates (allowed: at least once).
 */
import { createHash, randomBytes } from 'node:crypto';
import { startParley } from './targets.js';

export interface KillResult {
  readonly acknowledged: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly failedAttempts: number;
  readonly kills: number;
  readonly seconds: number;
}

interface Writer {
  readonly token: string;
  readonly id: string;
  /** seq → sha256 hex of what was acknowledged under it. */
  readonly acked: Map<number, string>;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export async function mailboxKills({ seconds, writers: count, log }: { seconds: number; writers: number; log: (line: string) => void }): Promise<KillResult> {
  const target = await startParley(2, { postgres: true });
  const writers: Writer[] = Array.from({ length: count }, () => {
    const token = randomBytes(32).toString('base64url');
    return { token, id: sha(Buffer.from(token, 'base64url')), acked: new Map() };
  });
  let failedAttempts = 0;
  let kills = 0;
  let running = true;
  try {
    const write = async (w: Writer, k: number): Promise<void> => {
      let attempt = 0;
      while (running) {
        const body = randomBytes(64 + Math.floor(Math.random() * 200));
        for (;;) {
          const base = target.http[(k + attempt++) % target.http.length]!;
          try {
            const res = await fetch(`${base}/api/mailbox/${w.id}`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${w.token}`, 'Content-Type': 'application/octet-stream' },
              body,
              signal: AbortSignal.timeout(5000),
            });
            if (res.status === 201) {
              const { seq } = (await res.json()) as { seq: number };
              w.acked.set(seq, sha(body));
              break;
            }
            failedAttempts++;
          } catch {
            failedAttempts++;
          }
          if (!running) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        // About 20 appends a second per writer.
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const loops = writers.map((w, k) => write(w, k));
    const at = (fraction: number): Promise<void> => new Promise((r) => setTimeout(r, seconds * 1000 * fraction));
    await at(0.25);
    log('  SIGKILL node1, restart after 2 s');
    await target.restartNode!(0, 2000);
    kills++;
    await at(0.25);
    log('  SIGKILL node2, restart after 2 s');
    await target.restartNode!(1, 2000);
    kills++;
    await at(0.4);
    running = false;
    await Promise.all(loops);

    let acknowledged = 0;
    let lost = 0;
    let duplicates = 0;
    for (const w of writers) {
      const stored = new Map<number, string>();
      for (let after = 0, more = true; more; ) {
        const res = await fetch(`${target.http[0]}/api/mailbox/${w.id}?after=${after}`, { headers: { Authorization: `Bearer ${w.token}` } });
        const page = (await res.json()) as { entries: { seq: number; data: string }[]; more: boolean };
        for (const e of page.entries) stored.set(e.seq, sha(Buffer.from(e.data, 'base64url')));
        more = page.more;
        after = page.entries.at(-1)?.seq ?? after;
      }
      for (const [seq, hash] of w.acked) {
        acknowledged++;
        if (stored.get(seq) !== hash) lost++;
      }
      const ackedHashes = new Set(w.acked.values());
      duplicates += [...stored.entries()].filter(([seq, hash]) => !w.acked.has(seq) && ackedHashes.has(hash)).length;
    }
    return { acknowledged, lost, duplicates, failedAttempts, kills, seconds };
  } finally {
    running = false;
    await target.stop();
  }
}
