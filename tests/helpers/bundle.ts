/**
 * Bundles a test-only browser entry with Vite into one IIFE script, so tests can run real
 * library code (our stores, stock y-webrtc) inside a Chromium page without a dev server.
 */
import path from 'node:path';
import { build, type Rollup } from 'vite';

export async function bundleForBrowser(entry: string, globalName: string): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.resolve(entry), formats: ['iife'], name: globalName },
    },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
  const output = Array.isArray(out) ? out[0]! : out;
  return (output.output.find((o) => o.type === 'chunk') as Rollup.OutputChunk).code;
}
