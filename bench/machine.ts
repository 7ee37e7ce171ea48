/**
 * This machine is shared, and WebRTC throughput in Chromium drops several-fold when other
 * processes are busy (a 9 MB transfer: 0.8 s idle, 4 s loaded). Rows that drive browsers or
 * servers therefore wait for the load to settle first, and say so when it never does.
 */
import os from 'node:os';
import { progress } from './log.js';
import { sleep } from './stats.js';

export interface QuietResult {
  readonly settled: boolean;
  /** 1-minute load average when the wait ended. */
  readonly load: number;
}

export async function waitForQuietMachine(maxLoad = 1.5, maxWaitMs = 60_000): Promise<QuietResult> {
  const deadline = Date.now() + maxWaitMs;
  let load = os.loadavg()[0]!;
  if (load < maxLoad) return { settled: true, load };
  progress(`waiting for the 1-minute load average (${load.toFixed(2)}) to drop below ${maxLoad}`);
  while (Date.now() < deadline) {
    await sleep(2_000);
    load = os.loadavg()[0]!;
    if (load < maxLoad) {
      progress(`load average settled at ${load.toFixed(2)}`);
      return { settled: true, load };
    }
  }
  progress(`WARNING: load average still ${load.toFixed(2)} after ${maxWaitMs / 1000} s; measuring anyway (expect noise)`);
  return { settled: false, load };
}
