// Preloaded into both signaling servers of the memory row (bench/signaling-server.ts): on
// SIGUSR2 a full collection runs, and the process writes "gc <n>" to stderr when the n-th is
// done, so the row reads the memory sockets keep, not how much garbage the last collection
// happened to leave.
let collections = 0;
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  process.stderr.write(`gc ${++collections}\n`);
});
