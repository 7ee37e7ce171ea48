/**
 * Builds the PWA exactly as `npm run build` does (`vite build`), but into a private
 * directory: other engineers' test runs rebuild `dist/` at any moment, and a bench must not
 * serve files that change under it.
 *
 * The build runs as a child process whose stdout is our stderr: stdout is reserved for the
 * table, and parts of the build (the bundler's native progress lines, the service worker's
 * own build) print to file descriptor 1 directly.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface BuiltApp {
  readonly dir: string;
  remove(): Promise<void>;
}

export async function buildApp(): Promise<BuiltApp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-app-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const vite = path.resolve('node_modules/vite/bin/vite.js');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    await remove();
    throw new Error(`vite build exited with ${code}`);
  }
  return { dir, remove };
}
