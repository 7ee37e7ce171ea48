/**
 * Bundles a bench fixture into one minified IIFE with Vite, the same bundler and minifier
 * the app is built with, so baseline pages and the bundle-size baseline are comparable to
 * the app's own output. (tests/helpers/bundle.ts leaves code unminified for readable test
 * failures, which would overstate the baseline's size.)
 */
import path from 'node:path';
import { build, type Rollup } from 'vite';

export async function bundleFixture(entry: string, globalName: string): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry: path.resolve(entry), formats: ['iife'], name: globalName },
    },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
  const output = Array.isArray(out) ? out[0]! : out;
  return (output.output.find((o) => o.type === 'chunk') as Rollup.OutputChunk).code;
}
