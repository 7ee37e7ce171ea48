/**
 * Row group 4: does a send cost the same at 1M messages as at 10k (docs/architecture.md §1.5)?
 * Pure core in Node, no browser. Parley's sharded log versus the y-webrtc demo model (one
 * Y.Array, `push` per message), each configuration in its own process
 * (send-cost-worker.ts). The row compares the 1M/10k ratios.
 */
import { spawnNode } from './child.js';
import type { BenchGroup } from './group.js';
import { progress } from './log.js';
import { formatMs } from './stats.js';

const SIZES = [10_000, 1_000_000] as const;
const SAMPLES = 2000;
const METRIC = 'Cost of one send, 1M vs 10k messages in the doc (median)';
const GOAL = 'Parley’s 1M/10k ratio ≤ 2';

interface WorkerResult {
  /** What the table reports: append + fold + update encoding (Parley), push + encoding (baseline). */
  readonly medianMs: number;
  readonly p90Ms: number;
  /** The whole send; for Parley this adds Ed25519 signing and hash chaining. */
  readonly wholeMedianMs: number;
  readonly buildMs: number;
  readonly heapMB: number;
}

async function measure(system: 'parley' | 'y-array', count: number): Promise<WorkerResult> {
  const child = spawnNode('bench/send-cost-worker.ts', [system, String(count), String(SAMPLES)], {
    tsx: true,
    // A 1M-message doc, its encoding and a fresh copy need a few GB of heap.
    nodeArgs: ['--expose-gc', '--max-old-space-size=8192'],
  });
  try {
    const match = await child.line(/^\{.*\}$/, 180_000);
    const result = JSON.parse(match[0]) as WorkerResult;
    progress(
      `  ${system} at ${count.toLocaleString('en-US')}: median ${formatMs(result.medianMs)}, p90 ${formatMs(result.p90Ms)}; whole send ${formatMs(result.wholeMedianMs)} ` +
        `(doc built in ${formatMs(result.buildMs)}, heap ${result.heapMB.toFixed(0)} MB)`,
    );
    return result;
  } finally {
    child.kill();
  }
}

export const sendCostGroup: BenchGroup = {
  name: 'send-cost',
  rows: [{ metric: METRIC, goal: GOAL }],
  needsApp: false,
  needsQuiet: false,
  timeoutMs: 6 * 60_000,
  async run() {
    const results = { parley: [] as WorkerResult[], 'y-array': [] as WorkerResult[] };
    for (const count of SIZES) {
      for (const system of ['parley', 'y-array'] as const) results[system].push(await measure(system, count));
    }
    const ratio = (r: WorkerResult[]): number => r[1]!.medianMs / r[0]!.medianMs;
    const show = (r: WorkerResult[]): string => `${ratio(r).toFixed(2)}× (${formatMs(r[0]!.medianMs)} → ${formatMs(r[1]!.medianMs)})`;
    const p = ratio(results.parley);
    const b = ratio(results['y-array']);
    const whole = results.parley.map((r) => r.wholeMedianMs);
    progress(`  Parley whole send incl. signing: ${formatMs(whole[0]!)} → ${formatMs(whole[1]!)} (${(whole[1]! / whole[0]!).toFixed(2)}×)`);
    return [
      {
        metric: METRIC,
        parley: show(results.parley),
        baseline: show(results['y-array']),
        ratio: `${(p / b).toFixed(p / b < 0.1 ? 3 : 2)}×`,
        goal: GOAL,
        met: p <= 2,
        note:
          `Node, pure core, median of ${SAMPLES.toLocaleString('en-US')} sends per configuration, each in a fresh process after JIT warm-up; docs built in batches, then loaded into a fresh Y.Doc as from storage. ` +
          'Parley: `ConversationLog.append` of one event + `Timeline.add` (via the log observer) + encoding the transaction’s update, timed inside a real `DocWriter.appendEvents` send (Ed25519 signing and hash chaining, constant per send, are left out of the table and printed to stderr); ' +
          'two authors, 1,000 events per append; the history carries placeholder signatures of the real length (the local send path does not verify them). ' +
          'Baseline: one Y.Array, `push` per message + encoding the update; built with one item per message, authors alternating (as a real chat history is; a few huge merged items would hide the cost of `push`). ' +
          'Columns show 1M/10k (10k → 1M).',
      },
    ];
  },
};
