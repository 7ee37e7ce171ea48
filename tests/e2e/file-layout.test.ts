/**
 * A file message fits its bubble on a phone (docs/architecture.md §14.4): the image, the
 * player and the card are as wide as their own sizes ask only where the bubble has room, and
 * never reach past it, on the sender's page and the receiver's. The screens test checks the
 * viewport's edge only; a bubble on a phone is 85% of it, narrower than an image's 280 px.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();

async function sendFile(user: ParleyUser, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await user.page.getByLabel('Attach').setInputFiles(file);
  await user.page.getByRole('list', { name: 'Files to send' }).getByText(file.name).waitFor();
  await user.page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** How far `part` (or the file card it is in) reaches past either edge of its message's bubble, in px (0: inside). */
async function pastBubble(part: Locator): Promise<number> {
  return part.evaluate((el) => {
    const bubble = el.closest('.bubble');
    if (!bubble) throw new Error('not inside a message bubble');
    const [r, b] = [(el.closest('.card') ?? el).getBoundingClientRect(), bubble.getBoundingClientRect()];
    return Math.max(0, Math.round(b.left - r.left), Math.round(r.right - b.right));
  });
}

describe('file messages on a phone', () => {
  let alice: ParleyUser;
  let bob: ParleyUser;

  beforeAll(async () => {
    ({ alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url));
    await sendFile(alice, { name: 'wide.png', mimeType: 'image/png', buffer: gradientPng(640, 400) });
    await sendFile(alice, { name: 'a-long-report-name-for-the-quarter.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(200_000, 7) });
    await bob.page.getByRole('img', { name: /^wide\.png/ }).waitFor({ timeout: 60_000 });
    await bob.log.getByText('a-long-report-name-for-the-quarter.pdf').first().waitFor({ timeout: 60_000 });
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  for (const width of [320, 360]) {
    it(`keeps the image and the card inside their bubbles at ${width} px, on both pages`, async () => {
      for (const user of [alice, bob]) {
        await user.page.setViewportSize({ width, height: 740 });
        const image = user.log.getByRole('img', { name: /^wide\.png/ });
        const card = user.log.getByText('a-long-report-name-for-the-quarter.pdf', { exact: true }).first();
        await image.scrollIntoViewIfNeeded();
        expect(await pastBubble(image), `${user.name}'s image at ${width} px`).toBe(0);
        // The image still has a real size: the fit did not come from shrinking it away.
        expect((await image.boundingBox())!.width).toBeGreaterThan(width / 2);
        expect(await pastBubble(card), `${user.name}'s card at ${width} px`).toBe(0);
      }
    });
  }
});
