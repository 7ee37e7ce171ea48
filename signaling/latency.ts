/**
 * Latency of the shared backends (PostgreSQL queries, Redis round trips) as Prometheus
 * histograms. Fixed buckets from 0.5 ms to 5 s: a loopback query takes well under a
 * millisecond, and anything past a few seconds is an outage, counted as an error instead.
 */

const BUCKETS_SECONDS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class LatencyHistogram {
  private readonly counts = new Array<number>(BUCKETS_SECONDS.length).fill(0);
  private total = 0;
  private sumSeconds = 0;
  /** Operations that failed (connection lost, timeout, refused). */
  errors = 0;

  constructor(
    /** Metric base name, e.g. `parley_postgres_query`. */
    readonly name: string,
    /** HELP text. */
    readonly help: string,
  ) {}

  /** Records one operation that took `ms` milliseconds. */
  observe(ms: number): void {
    const s = ms / 1000;
    this.total++;
    this.sumSeconds += s;
    for (let i = 0; i < BUCKETS_SECONDS.length; i++) if (s <= BUCKETS_SECONDS[i]!) this.counts[i]!++;
  }

  /** Times `op`, counting a rejection as an error (and re-throwing it). */
  async time<T>(op: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const value = await op();
      this.observe(performance.now() - start);
      return value;
    } catch (err) {
      this.errors++;
      throw err;
    }
  }

  /** Operations observed so far. */
  get count(): number {
    return this.total;
  }

  /** Prometheus text lines: `<name>_seconds` histogram plus `<name>_errors_total`. */
  render(): string[] {
    const n = `${this.name}_seconds`;
    const lines = [`# HELP ${n} ${this.help}`, `# TYPE ${n} histogram`];
    BUCKETS_SECONDS.forEach((le, i) => lines.push(`${n}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(`${n}_bucket{le="+Inf"} ${this.total}`, `${n}_sum ${this.sumSeconds}`, `${n}_count ${this.total}`);
    lines.push(`# HELP ${this.name}_errors_total Failed operations.`, `# TYPE ${this.name}_errors_total counter`, `${this.name}_errors_total ${this.errors}`);
    return lines;
  }
}
