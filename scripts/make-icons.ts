/**
 * Renders the PNG app icons from their SVG sources with the machine's Chromium. Run once
 * after changing an icon (`npx tsx scripts/make-icons.ts`); the PNGs are committed because
 * installability requires raster icons.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { launchChromium } from '../tests/helpers/browser.js';

const jobs = [
  { svg: 'public/icons/parley.svg', size: 192, out: 'public/icons/icon-192.png' },
  { svg: 'public/icons/parley.svg', size: 512, out: 'public/icons/icon-512.png' },
  { svg: 'public/icons/parley-maskable.svg', size: 512, out: 'public/icons/maskable-512.png' },
  { svg: 'public/icons/parley.svg', size: 180, out: 'public/icons/apple-touch-icon.png' },
];

const browser = await launchChromium();
for (const job of jobs) {
  const page = await browser.newPage({ viewport: { width: job.size, height: job.size } });
  const svg = await readFile(job.svg, 'utf8');
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${job.size}" height="${job.size}" `)}</body></html>`);
  await writeFile(job.out, await page.screenshot({ omitBackground: true }));
  await page.close();
}
await browser.close();
