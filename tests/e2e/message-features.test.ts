/**
 * What a message offers, as people use it: replies that quote and lead back to the
 * original (a photo quoted as one), links (only safe schemes, text stays text), long messages that collapse, dates,
 * your own messages without your name and "You: …" in the list, the full emoji set for
 * reactions, "Waiting" that looks unlike "Sent", and keyboard use: each message one tab
 * stop with arrow keys inside. Touch has its own file section: "⋯", long-press and who
 * reacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { rowStarting } from '../helpers/in-view.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();
const activeLabel = (user: ParleyUser): Promise<string | null> =>
  user.page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? null;
  });
const activeText = (user: ParleyUser): Promise<string | null> =>
  user.page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.tagName === 'ARTICLE' ? (el.querySelector('p.text')?.textContent ?? null) : null;
  });

describe('messages', () => {
  let alice: ParleyUser;
  let bob: ParleyUser;

  beforeAll(async () => {
    ({ alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url, { viewport: { width: 1366, height: 820 } }));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  it('replies quote the author and an excerpt; the quote leads back to the original', async () => {
    await alice.send('Shall we meet at the station at noon?');
    await bob.waitForMessage('Shall we meet at the station at noon?');
    await bob.messageRow('Shall we meet at the station at noon?').getByRole('button', { name: 'Reply' }).click();
    const replying = bob.page.getByRole('group', { name: 'Replying' });
    await replying.getByText('Replying to Alice: Shall we meet at the station at noon?').waitFor();
    // Escape cancels the reply, and the box keeps focus.
    await bob.composer.press('Escape');
    await expect.poll(() => replying.count()).toBe(0);
    await bob.messageRow('Shall we meet at the station at noon?').getByRole('button', { name: 'Reply' }).click();
    await bob.composer.fill('Yes, see you there');
    await bob.composer.press('Enter');
    await expect.poll(() => replying.count()).toBe(0);

    await alice.waitForMessage('Yes, see you there');
    const quote = alice.messageRow('Yes, see you there').getByRole('button', { name: /^Reply to You: Shall we meet at the station at noon\?/ });
    await quote.waitFor();
    await bob.messageRow('Yes, see you there').getByRole('button', { name: /^Reply to Alice: Shall we meet/ }).waitFor();
    await quote.click();
    await alice.log.locator('article.highlight').filter({ hasText: 'Shall we meet at the station at noon?' }).waitFor();
  });

  it('a reply to a photo without a caption quotes it as a photo', async () => {
    // The quote and "Replying to" showed the photo's text: its caption, here none.
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'station.png', mimeType: 'image/png', buffer: gradientPng(320, 200) });
    await alice.page.getByRole('list', { name: 'Files to send' }).getByText('station.png').waitFor();
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
    const photo = bob.log.locator('article').filter({ has: bob.page.getByRole('img', { name: /^station\.png/ }) });
    await photo.waitFor({ timeout: 60_000 });
    await photo.getByRole('button', { name: 'Reply' }).click();
    await bob.page.getByRole('group', { name: 'Replying' }).getByText('Replying to Alice: 📷 Photo').waitFor();
    await bob.composer.fill('Found it');
    await bob.composer.press('Enter');
    await alice.waitForMessage('Found it');
    await alice.messageRow('Found it').getByRole('button', { name: /^Reply to You: 📷 Photo/ }).waitFor();
    // Its actions offer nothing to copy: it has no text (the menu offered "Copy text", which copied nothing).
    await photo.getByRole('button', { name: 'More actions' }).click();
    const menu = bob.page.getByRole('dialog', { name: 'Message actions' });
    await menu.getByRole('button', { name: 'Reply' }).waitFor();
    expect(await menu.getByRole('button', { name: 'Copy text' }).count()).toBe(0);
    await bob.page.keyboard.press('Escape');
    await expect.poll(() => menu.isVisible()).toBe(false);
  });

  it('links open safely in a new tab; other schemes and HTML stay plain text', async () => {
    const text = 'See https://example.org/plan?x=1, www.example.com and mailto:bob@example.org — not javascript:alert(1) nor <b>bold</b>';
    await alice.send(text);
    await bob.waitForMessage(text);
    const row = bob.messageRow(text);
    const links = row.getByRole('link');
    await expect(links.count()).resolves.toBe(3);
    const https = row.getByRole('link', { name: 'https://example.org/plan?x=1' });
    await expect(https.getAttribute('href')).resolves.toBe('https://example.org/plan?x=1');
    await expect(https.getAttribute('target')).resolves.toBe('_blank');
    await expect(https.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(row.getByRole('link', { name: 'www.example.com' }).getAttribute('href')).resolves.toBe('https://www.example.com/');
    await expect(row.getByRole('link', { name: 'mailto:bob@example.org' }).getAttribute('href')).resolves.toBe('mailto:bob@example.org');
    expect(await row.locator('b').count()).toBe(0);
    await row.getByText('<b>bold</b>').waitFor();
  });

  it('own messages carry no name, the list says "You: …", and dates and full times are shown', async () => {
    const own = alice.messageRow('Shall we meet at the station at noon?');
    await expect(own.getAttribute('aria-label')).resolves.toMatch(/^You, /);
    expect(await own.getByText('Alice', { exact: true }).count()).toBe(0);
    await bob.messageRow('Shall we meet at the station at noon?').getByText('Alice', { exact: true }).waitFor();
    await alice.send('my last word');
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByText('You: my last word').waitFor();
    await bob.page.getByRole('navigation', { name: 'Conversations' }).getByText('Alice: my last word').waitFor();
    await alice.log.getByRole('separator', { name: 'Today' }).first().waitFor();
    const title = await own.locator('time').getAttribute('title');
    expect(title).toMatch(/\d{4}/);
    expect(title!.length).toBeGreaterThan(15);
  });

  it('a 16,000-character message collapses with "Read more"', async () => {
    const long = `Long story. ${'All work and no play. '.repeat(800)}`.slice(0, 16_000);
    await alice.send(long);
    const row = rowStarting(bob, 'Long story. ');
    await row.waitFor();
    expect(await row.locator('p.text').textContent()).toBe(long.trimEnd());
    const more = row.getByRole('button', { name: 'Read more' });
    await more.waitFor();
    const collapsed = (await row.boundingBox())!.height;
    expect(collapsed).toBeLessThan(500);
    await more.click();
    await row.getByRole('button', { name: 'Show less', expanded: true }).waitFor();
    expect((await row.boundingBox())!.height).toBeGreaterThan(collapsed * 2);
  });

  it('reactions come from the full emoji set, keeping the three quick ones', async () => {
    await alice.send('react to me');
    await bob.waitForMessage('react to me');
    await bob.messageRow('react to me').getByRole('button', { name: 'React with ❤️' }).waitFor();
    await bob.messageRow('react to me').getByRole('button', { name: 'Add reaction' }).click();
    const dialog = bob.page.getByRole('dialog', { name: 'Choose a reaction' });
    await dialog.getByRole('searchbox', { name: 'Search emoji' }).fill('unicorn');
    await dialog.getByRole('button', { name: 'unicorn', exact: true }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await alice.messageRow('react to me').getByRole('button', { name: '🦄 1' }).waitFor();
  });

  it('"Waiting" looks different from "Sent"', async () => {
    // A conversation of Alice's own: with no network its messages wait on this device.
    await alice.newConversation();
    await alice.send('sent while online');
    const sent = alice.messageRow('sent while online').locator('[data-status="sent"]');
    await sent.waitFor({ timeout: 20_000 });
    await alice.context.setOffline(true);
    await alice.send('written offline');
    const waiting = alice.messageRow('written offline').locator('[data-status="waiting"]');
    await waiting.waitFor({ timeout: 20_000 });
    const look = (l: typeof sent) => l.evaluate((el) => ({ text: el.textContent!.trim(), style: getComputedStyle(el).fontStyle, color: getComputedStyle(el).color }));
    const [w, s] = [await look(waiting), await look(sent)];
    expect(w.text).toBe('🕓 Waiting');
    expect(s.text).toBe('✓ Sent');
    expect(w.style).not.toBe(s.style);
    expect(w.color).not.toBe(s.color);
    await alice.context.setOffline(false);
    await sent.waitFor();
    await alice.messageRow('written offline').locator('[data-status="sent"]').waitFor({ timeout: 30_000 });
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /react to me/ }).click();
  });

  it('each message is one tab stop, with arrow keys inside and a menu on Enter', async () => {
    const row = alice.messageRow('my last word');
    await row.focus();
    await alice.page.keyboard.press('ArrowRight');
    expect(await activeLabel(alice)).toBe('React with 👍');
    await alice.page.keyboard.press('ArrowRight');
    expect(await activeLabel(alice)).toBe('React with ❤️');
    await alice.page.keyboard.press('Escape');
    expect(await activeLabel(alice)).toMatch(/^You, /);
    // Up moves to the message above; Tab leaves the list (one stop per message, not per button).
    expect(await activeText(alice)).toBe('my last word');
    await alice.page.keyboard.press('ArrowUp');
    await expect.poll(() => activeText(alice)).toMatch(/^See https:\/\/example.org/);
    await alice.page.keyboard.press('ArrowDown');
    await expect.poll(() => activeText(alice)).toBe('my last word');
    await alice.page.keyboard.press('Enter');
    const menu = alice.page.getByRole('dialog', { name: 'Message actions' });
    await menu.getByRole('button', { name: 'Reply' }).waitFor();
    await alice.page.keyboard.press('Escape');
    await expect.poll(() => menu.isVisible()).toBe(false);
    expect(await activeLabel(alice)).toMatch(/^You, /);
  });
});

describe('messages on a touch phone', () => {
  it('actions are in a menu opened by "⋯" or a long-press, with the full time, and a tap on a reaction shows who reacted', async () => {
    const context = await stage.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const phone = await ParleyUser.inContext(context, 'Carol');
    const desk = await ParleyUser.create(stage.browser, 'Dan');
    await phone.start(stage.app.url);
    const invite = await phone.newConversation();
    await desk.open(invite);
    await desk.register();
    await phone.waitForPeers(1);
    await desk.send('hello phone');
    await phone.waitForMessage('hello phone');
    const row = phone.messageRow('hello phone');
    // No permanent buttons on every message.
    expect(await row.getByRole('button', { name: 'Reply' }).count()).toBe(0);
    await row.getByRole('button', { name: 'More actions' }).tap();
    const menu = phone.page.getByRole('dialog', { name: 'Message actions' });
    await menu.getByRole('button', { name: 'React with 👍' }).tap();
    await expect.poll(() => menu.isVisible()).toBe(false);
    await desk.messageRow('hello phone').getByRole('button', { name: '👍 1' }).click();
    await row.getByRole('button', { name: '👍 2' }).waitFor();

    // Long-press opens the same menu.
    const box = (await row.locator('p.text').boundingBox())!;
    const cdp = await context.newCDPSession(phone.page);
    const point = { x: box.x + 10, y: box.y + box.height / 2 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await phone.page.waitForTimeout(800);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await menu.getByRole('button', { name: 'Reply' }).waitFor();
    // It names the author and the full time: on touch there is no hover to show it.
    await menu.getByText(new RegExp(`^Dan, .*${new Date().getFullYear()}`)).waitFor();
    await menu.getByRole('button', { name: 'Close' }).tap();

    // A tap on a reaction says who reacted.
    await row.getByRole('button', { name: '👍 2' }).tap();
    const who = phone.page.getByRole('dialog', { name: 'Reactions' });
    await who.getByText('👍 You, Dan').waitFor();
    await who.getByRole('button', { name: 'Remove my 👍' }).tap();
    await row.getByRole('button', { name: '👍 1' }).waitFor();
    await Promise.all([phone.close(), desk.close()]);
  });
});
