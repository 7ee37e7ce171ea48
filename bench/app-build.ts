/**
 * Builds the PWA exactly as `npm run build` does, but into a private directory: other
 * engineers' test runs rebuild `dist/` at any moment, and a bench must not serve files
 * that change under it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';

export interface BuiltApp {
  readonly dir: string;
  remove(): Promise<void>;
}

export async function buildApp(): Promise<BuiltApp> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-app-'));
  await build({ logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
