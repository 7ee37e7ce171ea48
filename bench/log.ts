/**
 * Progress output. Everything but the final table goes to stderr, so
 * `npm run bench > table.md` captures the table alone.
 */
const started = performance.now();

export function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}
