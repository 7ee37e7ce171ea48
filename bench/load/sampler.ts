/**
 * Memory and CPU of server processes over a run: VmRSS and user+system CPU from /proc every
 * `periodMs`. "Flat" memory is judged on the samples after the warm-up: the growth from the
 * first to the last fifth, and the slope of a least-squares line, per minute.
 */
import { cpuSeconds, rssBytes } from '../signaling-clients.js';

export interface ProcessSeries {
  readonly name: string;
  /** [seconds since start, RSS bytes]. */
  readonly rss: [number, number][];
  /** CPU seconds used during the run. */
  cpu: number;
}

export class Sampler {
  private readonly series: ProcessSeries[];
  private readonly cpuStart = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  private constructor(private readonly processes: readonly { readonly name: string; readonly pid: number }[]) {
    this.series = processes.map((p) => ({ name: p.name, rss: [], cpu: 0 }));
  }

  static async start(processes: readonly { readonly name: string; readonly pid: number }[], periodMs = 10_000): Promise<Sampler> {
    const s = new Sampler(processes);
    for (const p of processes) s.cpuStart.set(p.pid, await cpuSeconds(p.pid).catch(() => 0));
    await s.sample();
    s.timer = setInterval(() => void s.sample(), periodMs);
    return s;
  }

  private async sample(): Promise<void> {
    const t = (performance.now() - this.started) / 1000;
    await Promise.all(
      this.processes.map(async (p, i) => {
        const rss = await rssBytes(p.pid).catch(() => null);
        if (rss !== null) this.series[i]!.rss.push([t, rss]);
      }),
    );
  }

  /** Stops sampling and returns each process's series with its CPU seconds. */
  async stop(): Promise<ProcessSeries[]> {
    clearInterval(this.timer);
    await this.sample();
    for (const [i, p] of this.processes.entries()) this.series[i]!.cpu = (await cpuSeconds(p.pid).catch(() => 0)) - (this.cpuStart.get(p.pid) ?? 0);
    return this.series;
  }
}

/** Growth of the mean RSS of the last fifth over the first fifth after `warmupS`, and the slope. */
export function memoryTrend(series: ProcessSeries, warmupS = 60): { growth: number; slopePerMin: number; first: number; last: number } {
  const pts = series.rss.filter(([t]) => t >= warmupS);
  const use = pts.length >= 5 ? pts : series.rss;
  const fifth = Math.max(1, Math.floor(use.length / 5));
  const mean = (xs: [number, number][]): number => xs.reduce((s, [, v]) => s + v, 0) / xs.length;
  const first = mean(use.slice(0, fifth));
  const last = mean(use.slice(-fifth));
  const n = use.length;
  const mt = use.reduce((s, [t]) => s + t, 0) / n;
  const mv = use.reduce((s, [, v]) => s + v, 0) / n;
  const cov = use.reduce((s, [t, v]) => s + (t - mt) * (v - mv), 0);
  const varT = use.reduce((s, [t]) => s + (t - mt) ** 2, 0);
  return { growth: last / first - 1, slopePerMin: varT === 0 ? 0 : (cov / varT) * 60, first, last };
}
