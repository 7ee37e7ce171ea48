/**
 * Screenshot comparison with a tolerance (docs/architecture.md §11). Baselines are PNG
 * files in `tests/e2e/__screenshots__/`, committed with the code; a run compares against
 * them with pixelmatch and fails when more than `maxDiffRatio` of the pixels differ, writing
 * the actual image and a diff to `.tmp/screenshots/` to look at.
 *
 * Baselines change only deliberately: `UPDATE_SCREENSHOTS=1 npx vitest run
 * tests/e2e/screenshots.test.ts` rewrites them; review the images, then commit them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export const BASELINE_DIR = path.resolve('tests/e2e/__screenshots__');
const OUT_DIR = path.resolve('.tmp/screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

export interface Comparison {
  /** Pixels that differ beyond pixelmatch's per-pixel threshold. */
  readonly differing: number;
  readonly total: number;
}

/**
 * Compares `png` with the baseline `name`. Throws with a clear message when they differ
 * too much, when the sizes differ, or when there is no baseline (never passes silently).
 */
export async function matchScreenshot(name: string, png: Buffer, maxDiffRatio = 0.005): Promise<Comparison> {
  const file = path.join(BASELINE_DIR, `${name}.png`);
  if (UPDATE) {
    await mkdir(BASELINE_DIR, { recursive: true });
    await writeFile(file, png);
    const { width, height } = PNG.sync.read(png);
    return { differing: 0, total: width * height };
  }
  if (!existsSync(file)) {
    throw new Error(`No baseline screenshot ${path.relative(process.cwd(), file)}: run UPDATE_SCREENSHOTS=1 npx vitest run tests/e2e/screenshots.test.ts, check the images, and commit them.`);
  }
  const expected = PNG.sync.read(await readFile(file));
  const actual = PNG.sync.read(png);
  if (expected.width !== actual.width || expected.height !== actual.height) {
    await keep(name, png, null);
    throw new Error(`${name}: ${actual.width}×${actual.height}, baseline ${expected.width}×${expected.height}`);
  }
  const diff = new PNG({ width: actual.width, height: actual.height });
  const differing = pixelmatch(expected.data, actual.data, diff.data, actual.width, actual.height, { threshold: 0.1 });
  const total = actual.width * actual.height;
  if (differing > total * maxDiffRatio) {
    await keep(name, png, PNG.sync.write(diff));
    throw new Error(`${name}: ${differing} of ${total} pixels differ (${((differing / total) * 100).toFixed(2)} %, allowed ${(maxDiffRatio * 100).toFixed(2)} %); see .tmp/screenshots/${name}.*.png`);
  }
  return { differing, total };
}

async function keep(name: string, actual: Buffer, diff: Buffer | null): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(path.join(OUT_DIR, `${name}.actual.png`), actual);
  if (diff) await writeFile(path.join(OUT_DIR, `${name}.diff.png`), diff);
}
