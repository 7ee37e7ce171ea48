/**
 * Screenshots of the main screens at phone and desktop sizes, light and dark, compared with
 * committed baselines (tests/helpers/screenshot.ts says how to update them). They catch
 * overflow, clipped controls and contrast regressions that role-based tests cannot see.
 * The screens are made deterministic: fixed names and texts, no animations, fonts loaded,
 * the caret hidden, the mouse parked, and what changes by itself (times, QR codes of random
 * secrets, receipts) masked.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { SIZES, useDemoScene } from '../helpers/demo-scene.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { matchScreenshot } from '../helpers/screenshot.js';

const stage = useAppStage();
const LAST = 'Great, I will bring the tickets.';

/** Shoots the page, or only `part` of it (a screen whose other parts are not deterministic). */
async function shoot(page: Page, name: string, part?: Locator): Promise<void> {
  await page.mouse.move(0, 0);
  await page.evaluate(async () => {
    await document.fonts.ready;
    // Two frames: layout and paint settle after the last change.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
  const options = {
    animations: 'disabled' as const,
    caret: 'hide' as const,
    // Sent, Delivered or Read depends on when the other members' receipts arrive.
    mask: [page.locator('time'), page.locator('.when'), page.locator('parley-qr'), page.locator('#invite'), page.locator('.status.sent')],
    maskColor: '#ff00ff',
  };
  const png = part ? await part.screenshot(options) : await page.screenshot(options);
  const result = await matchScreenshot(name, png);
  expect(result.differing).toBeLessThanOrEqual(result.total * 0.005);
}

describe('screenshots of the main screens', () => {
  const demo = useDemoScene(stage);

  for (const [size, viewport] of SIZES) {
    for (const theme of ['light', 'dark'] as const) {
      it(`${size}, ${theme}`, async () => {
        const scene = demo();
        const page = scene.alice.page;
        await page.setViewportSize(viewport);
        await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
        const go = (hash: string) => page.evaluate((h) => (location.hash = h), hash);

        await go(scene.conversation);
        await scene.alice.waitForMessage(LAST);
        await shoot(page, `conversation-${size}-${theme}`);

        await go('#');
        await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().waitFor();
        await shoot(page, `list-${size}-${theme}`);

        await go('#/contacts');
        await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
        await shoot(page, `contacts-${size}-${theme}`);

        // Of Settings, the profile and privacy sections: the notification status below them
        // depends on which of the browser's two permission answers arrives last, which differs
        // from run to run here.
        await go('#/settings');
        await page.getByRole('checkbox', { name: 'Send read receipts' }).waitFor();
        await shoot(page, `settings-profile-${size}-${theme}`, page.locator('parley-profile-settings'));
        await shoot(page, `settings-privacy-${size}-${theme}`, page.locator('parley-privacy-settings'));

        const fresh = await ParleyUser.create(stage.browser, 'Newcomer', { viewport });
        await fresh.page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
        await fresh.open(scene.invite);
        await fresh.page.getByText('Alice invited you to a conversation.').waitFor();
        await shoot(fresh.page, `first-launch-${size}-${theme}`);
        await fresh.close();
      });
    }
  }
});
