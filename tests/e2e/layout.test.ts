/**
 * The layout around the conversation: the Invite action (a dialog with Copy, the Web Share
 * API where there is one, and a QR code), the empty state of a new group, invite links that
 * name the inviter or are refused, the error banner that never covers the composer and
 * clears on navigation, the tab title's unread count, the Install button, the sidebar at
 * desktop width, and the header and the composer at 360 px.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { FAKE_MEDIA_ARGS, launchChromium } from '../helpers/browser.js';
import { DESKTOP, PHONE } from '../helpers/demo-scene.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('layout', () => {
  let alice: ParleyUser;
  let invite: string;

  beforeAll(async () => {
    alice = await ParleyUser.create(stage.browser, 'Alice', { viewport: DESKTOP });
    // A browser with a share sheet: the Web Share API, recorded.
    await alice.context.addInitScript(() => {
      (window as unknown as { shared: ShareData[] }).shared = [];
      navigator.share = async (data?: ShareData) => void (window as unknown as { shared: ShareData[] }).shared.push(data ?? {});
    });
    await alice.start(stage.app.url);
  });

  afterAll(async () => {
    await alice?.close();
  });

  it('a new group shows an empty state; Invite opens a dialog with Copy, Share and a QR code', async () => {
    await alice.page.getByRole('button', { name: 'New conversation' }).click();
    const empty = alice.page.getByRole('region', { name: 'Only you are here' });
    await empty.getByRole('button', { name: 'Invite people' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Invite people' });
    invite = await dialog.getByRole('textbox', { name: 'Invite link' }).inputValue();
    expect(invite).toMatch(/#join=/);
    await dialog.getByRole('img', { name: 'QR code of the invite link' }).waitFor();
    await dialog.getByRole('button', { name: 'Share…' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Shared.' }).waitFor();
    expect(await alice.page.evaluate(() => (window as unknown as { shared: ShareData[] }).shared)).toEqual([{ title: 'Join my Parley conversation', url: invite }]);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
    expect(await alice.page.evaluate(() => navigator.clipboard.readText())).toBe(invite);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Once something is said, the empty state goes.
    await alice.send('first words');
    await expect.poll(() => empty.count()).toBe(0);
  });

  it('copying never tells a phone to press Ctrl+C', async () => {
    const phone = await ParleyUser.create(stage.browser, 'Phone', { viewport: PHONE });
    await phone.start(stage.app.url);
    await phone.page.getByRole('button', { name: 'New conversation' }).click();
    await phone.page.getByRole('button', { name: 'Invite', exact: true }).click();
    const dialog = phone.page.getByRole('dialog', { name: 'Invite people' });
    // No clipboard permission here: copying is refused.
    await phone.page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) } }));
    await dialog.getByRole('button', { name: 'Copy' }).click();
    const status = dialog.getByRole('status');
    await status.filter({ hasText: 'Copying is blocked here' }).waitFor();
    expect(await status.textContent()).not.toMatch(/Ctrl|⌘/);
    await phone.close();
  });

  it('an invite names who sent it; one with an altered secret is refused and creates nothing', async () => {
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.open(invite);
    await bob.page.getByText('Alice invited you to a conversation.').waitFor();
    await bob.register();
    await bob.log.waitFor();

    const before = await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').count();
    const altered = invite.replace(/join=[^&]+/, `join=${'Q'.repeat(43)}`);
    await bob.page.goto(altered);
    await bob.page.getByRole('alert').filter({ hasText: 'This invite link does not open any conversation' }).waitFor();
    await bob.page.waitForTimeout(500);
    expect(await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').count()).toBe(before);
    // Before an account, too: the first-launch screen says so and nothing is joined.
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await carol.open(altered);
    await carol.page.getByRole('alert').filter({ hasText: 'does not open any conversation' }).waitFor();
    expect(await carol.page.getByText('invited you').count()).toBe(0);
    await carol.register();
    await carol.page.waitForTimeout(500);
    expect(await carol.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').count()).toBe(0);
    await Promise.all([bob.close(), carol.close()]);
  });

  it('the error banner leaves the composer usable, is dismissable, and clears on navigation', async () => {
    const altered = invite.replace(/join=[^&]+/, `join=${'R'.repeat(43)}`);
    const conversation = new URL(alice.page.url()).hash;
    await alice.page.evaluate((h) => (location.hash = h), new URL(altered).hash);
    const banner = alice.page.getByRole('alert').filter({ hasText: 'does not open any conversation' });
    await banner.waitFor();
    await alice.page.evaluate(() => (location.hash = '#/settings'));
    // Navigating away from where it happened clears it.
    await banner.waitFor({ state: 'hidden' });
    await alice.page.evaluate((h) => (location.hash = h), conversation);
    await alice.composer.waitFor();
    // A bad link opened while in a conversation leaves you there, with the banner above it:
    // the composer stays visible and usable.
    await alice.page.evaluate((h) => (location.hash = h), new URL(altered).hash.replace('R', 'S'));
    await banner.waitFor();
    expect(new URL(alice.page.url()).hash).toBe(conversation);
    const box = (await alice.composer.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(DESKTOP.height);
    await alice.composer.click();
    await alice.composer.fill('still typing');
    await alice.page.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'hidden' });
    await alice.composer.fill('');
  });

  it('the tab title counts unread messages', async () => {
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.open(invite);
    await bob.register();
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /first words/ }).click();
    await alice.waitForPeers(1);
    await alice.page.evaluate(() => (location.hash = '#/settings'));
    await bob.send('one');
    await bob.send('two');
    await expect.poll(() => alice.page.title(), { timeout: 20_000 }).toBe('(2) Parley');
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /two/ }).click();
    await expect.poll(() => alice.page.title()).toBe('Parley');
    await bob.close();
  });

  it('the presence line never says "online" beside an offline connection', async () => {
    const dan = await ParleyUser.create(stage.browser, 'Dan');
    await dan.open(invite);
    await dan.register();
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /first words|two/ }).click();
    const presence = alice.page.locator('[data-presence]');
    const connection = alice.page.locator('parley-connection-status');
    await connection.and(alice.page.locator('[data-connection="direct"], [data-connection="relay"]')).waitFor({ timeout: 30_000 });
    await presence.filter({ hasText: /online/ }).waitFor({ timeout: 30_000 });
    // Three other people (two Bobs came and went, Dan is here), counted as people.
    await presence.filter({ hasText: /^3 others, 1 online$/ }).waitFor({ timeout: 30_000 });
    await dan.close();
    await connection.and(alice.page.locator('[data-connection="offline"]')).waitFor({ timeout: 30_000 });
    await expect.poll(() => presence.textContent()).toBe('3 others');
  });

  it('an Install button appears when the browser offers installation', async () => {
    const install = alice.page.getByRole('button', { name: 'Install' });
    expect(await install.count()).toBe(0);
    await alice.page.evaluate(() => {
      const event = new Event('beforeinstallprompt', { cancelable: true }) as Event & { prompt(): Promise<void> };
      (window as unknown as { prompted: number }).prompted = 0;
      event.prompt = async () => void (window as unknown as { prompted: number }).prompted++;
      window.dispatchEvent(event);
    });
    await install.click();
    expect(await alice.page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1);
    await install.waitFor({ state: 'hidden' });
  });

  it('the sidebar at 1366 px: "New conversation" on one line, no doubled borders', async () => {
    const button = alice.page.getByRole('button', { name: 'New conversation' });
    const lineHeight = await button.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.3);
    const box = (await button.boundingBox())!;
    expect(box.height).toBeLessThan(lineHeight * 2 + 20);
    // Between two sidebar links there is one 1 px line, never two.
    const gaps = await alice.page.getByRole('navigation', { name: 'Sections' }).getByRole('link').evaluateAll((links) =>
      links.slice(1).map((a, i) => {
        const prev = getComputedStyle(links[i]!);
        const cur = getComputedStyle(a);
        return parseFloat(prev.borderBottomWidth) + parseFloat(cur.borderTopWidth);
      }),
    );
    expect(gaps.length).toBeGreaterThan(0);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(1);
  });

  it('the header at 360 px keeps room for the title: the actions move under it', async () => {
    await alice.page.getByRole('button', { name: 'New conversation' }).click();
    // The heading fills what the actions leave of the bar, whatever the title says.
    const title = alice.page.getByRole('heading', { level: 1, name: 'New conversation' });
    const oneLine = (await title.boundingBox())!.height;
    await alice.page.setViewportSize({ width: 360, height: 740 });
    try {
      // At least 10rem for the title, on one line (once the layout has followed the resize).
      await expect.poll(async () => (await title.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(160);
      expect((await title.boundingBox())!.height).toBeLessThan(oneLine * 2);
      const invite = (await alice.page.getByRole('button', { name: 'Invite', exact: true }).boundingBox())!;
      expect(invite.x + invite.width).toBeLessThanOrEqual(360);
    } finally {
      await alice.page.setViewportSize(DESKTOP);
    }
  });

  it('the composer at 360 px is one row: Attach, Record, the message box and Send, nothing overflowing', async () => {
    const parts = [alice.page.getByLabel('Attach'), alice.page.getByRole('button', { name: 'Record voice message' }), alice.composer, alice.page.getByRole('button', { name: 'Send', exact: true })];
    await alice.page.setViewportSize({ width: 360, height: 740 });
    try {
      await expect.poll(() => alice.page.evaluate(() => innerWidth)).toBe(360);
      await alice.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      expect(await alice.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      const boxes = await Promise.all(parts.map(async (p) => (await p.boundingBox())!));
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width).toBeLessThanOrEqual(360);
      }
      // Left to right in that order, and on one line: every box overlaps every other vertically.
      for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.x).toBeGreaterThanOrEqual(boxes[i - 1]!.x + boxes[i - 1]!.width);
      const top = Math.max(...boxes.map((b) => b.y));
      const bottom = Math.min(...boxes.map((b) => b.y + b.height));
      expect(top).toBeLessThan(bottom);
      // The box keeps room to write in.
      expect(boxes[2]!.width).toBeGreaterThanOrEqual(120);
    } finally {
      await alice.page.setViewportSize(DESKTOP);
    }
  });

  it('recording at 360 px: the recorder takes the row, the box and Send wrap under it, nothing overflows', async () => {
    // Its own browser: Chromium's fake microphone, with no permission prompt.
    const browser = await launchChromium(FAKE_MEDIA_ARGS);
    try {
      const phone = await ParleyUser.create(browser, 'Phone', { viewport: { width: 360, height: 740 } });
      await phone.start(stage.app.url);
      await phone.page.getByRole('button', { name: 'New conversation' }).click();
      await phone.page.getByRole('button', { name: 'Record voice message' }).click();
      await phone.page.getByRole('timer', { name: 'Recording' }).waitFor({ timeout: 30_000 });
      const parts = [phone.page.getByRole('button', { name: 'Stop and send voice message' }), phone.page.getByRole('button', { name: 'Cancel recording' }), phone.composer, phone.page.getByRole('button', { name: 'Send', exact: true })];
      const boxes = await Promise.all(parts.map(async (p) => (await p.boundingBox())!));
      for (const b of boxes) expect(b.x + b.width).toBeLessThanOrEqual(360);
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await phone.page.getByRole('button', { name: 'Cancel recording' }).click();
      await phone.page.getByRole('button', { name: 'Record voice message' }).waitFor();
      // Back to one row.
      const [attach, send] = await Promise.all([phone.page.getByLabel('Attach').boundingBox(), phone.page.getByRole('button', { name: 'Send', exact: true }).boundingBox()]);
      expect(attach!.y).toBeLessThan(send!.y + send!.height);
      expect(send!.y).toBeLessThan(attach!.y + attach!.height);
      await phone.close();
    } finally {
      await browser.close();
    }
  });
});
