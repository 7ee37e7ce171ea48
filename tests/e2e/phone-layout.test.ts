/**
 * The app on a small phone (320 px wide), as a screenshot pass found it (docs/architecture.md
 * §11): a member's long name no longer pushes the Members list past its dialog, the message
 * box and Send share one row, the image viewer gives the image the screen's width, the
 * media storage table fits the Settings screen, and the small controls a finger has to hit
 * are 24 px at least each way. The screens test checks only the viewport's right edge.
 *
 * `beforeAll` makes the scene (a conversation with a message, a reaction and an image that
 * Bart has downloaded); each case then goes to the screen it measures and leaves nothing
 * behind, so any one of them passes alone and in any order.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { LONG_NAME } from '../helpers/demo-scene.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();
const SMALL = { width: 320, height: 640 } as const;
const TEXT = 'Is this the station with the big clock?';

/** How far `part` reaches past either side of the nearest ancestor matching `selector`, in px (0: inside). */
async function pastEdge(part: Locator, selector: string): Promise<number> {
  return part.evaluate((el, selector) => {
    const outer = el.parentElement?.closest(selector);
    if (!outer) throw new Error(`not inside ${selector}`);
    const [r, o] = [el.getBoundingClientRect(), outer.getBoundingClientRect()];
    return Math.max(0, Math.round(o.left - r.left), Math.round(r.right - o.right));
  }, selector);
}

/** The smaller of a control's width and height, in px. */
async function smallerSide(control: Locator): Promise<number> {
  const box = await control.boundingBox();
  if (!box) throw new Error('not laid out');
  return Math.min(box.width, box.height);
}

/** Shows the conversation at `hash` (its route), as a tap on it in the list would. */
async function inConversation(user: ParleyUser, hash: string): Promise<void> {
  await user.page.evaluate((hash) => (location.hash = hash), hash);
  await user.log.waitFor();
}

describe('on a 320 px phone', () => {
  let alice: ParleyUser;
  let bart: ParleyUser;
  /** The conversation's route on each side. */
  let chat: { alice: string; bart: string };

  beforeAll(async () => {
    ({ alice, bob: bart } = await ParleyUser.pair(stage.browser, stage.app.url, { viewport: SMALL, names: ['Alice', LONG_NAME] }));
    await alice.send(TEXT);
    await bart.waitForMessage(TEXT);
    await bart.messageRow(TEXT).getByRole('button', { name: 'React with 👍' }).click();
    await alice.messageRow(TEXT).getByRole('button', { name: '👍 1' }).waitFor();
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: gradientPng(640, 400) });
    await alice.page.getByRole('list', { name: 'Files to send' }).getByText('wide.png').waitFor();
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
    // Downloaded, not only its thumbnail: the viewer and the media table need the file.
    await bart.page.getByRole('button', { name: /^Open wide\.png/ }).waitFor({ timeout: 60_000 });
    chat = { alice: new URL(alice.page.url()).hash, bart: new URL(bart.page.url()).hash };
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bart?.close()]);
  });

  it("keeps a member's long name and its buttons inside the Members dialog", async () => {
    await inConversation(alice, chat.alice);
    await alice.page.getByRole('button', { name: 'Members', exact: true }).click();
    const dialog = alice.page.getByRole('dialog', { name: /^Members of / });
    const list = dialog.getByRole('list', { name: 'Members' });
    const name = list.getByText(LONG_NAME, { exact: true });
    await name.waitFor();
    // The old code: the name and "Remove …" ran past the list and the dialog, cut off.
    expect(await pastEdge(list, 'dialog')).toBe(0);
    expect(await pastEdge(name, 'ul')).toBe(0);
    expect(await pastEdge(list.getByRole('button', { name: `Remove ${LONG_NAME}` }), 'ul')).toBe(0);
    await alice.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('puts the message box and Send on one row', async () => {
    await inConversation(alice, chat.alice);
    const box = (await alice.composer.boundingBox())!;
    const send = (await alice.page.getByRole('button', { name: 'Send', exact: true }).boundingBox())!;
    // The old code wrapped Send onto a line of its own under the box.
    expect(send.y).toBeLessThan(box.y + box.height);
    expect(send.x).toBeGreaterThan(box.x + box.width - 1);
    // And the box is one row tall, as Send: its placeholder (which sizes it) fits on one line.
    expect(box.height).toBeLessThanOrEqual(send.height + 1);
  });

  it('makes "More actions", a reaction and a file\'s Remove 24 px at least each way', async () => {
    await inConversation(alice, chat.alice);
    const row = alice.messageRow(TEXT);
    // The old code: 27×16, 45×20 and 29×20.
    expect(await smallerSide(row.getByRole('button', { name: 'More actions' }))).toBeGreaterThanOrEqual(24);
    expect(await smallerSide(row.getByRole('button', { name: '👍 1' }))).toBeGreaterThanOrEqual(24);
    await alice.page.getByLabel('Attach').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes\n') });
    const remove = alice.page.getByRole('list', { name: 'Files to send' }).getByRole('button', { name: 'Remove notes.txt' });
    expect(await smallerSide(remove)).toBeGreaterThanOrEqual(24);
    await remove.click();
    await remove.waitFor({ state: 'detached' });
  });

  it("keeps a waiting file's size on one line beside a long name", async () => {
    await inConversation(alice, chat.alice);
    const long = 'the-extremely-long-quarterly-financial-report-final-v7-revised.pdf';
    await alice.page.getByLabel('Attach').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes\n') },
      { name: long, mimeType: 'application/pdf', buffer: Buffer.alloc(150_000, 7) },
    ]);
    const list = alice.page.getByRole('list', { name: 'Files to send' });
    const [short, wide] = await Promise.all([list.getByText('6 bytes', { exact: true }).boundingBox(), list.getByText('150 kB', { exact: true }).boundingBox()]);
    // The old code broke "150 kB" over two lines beside the long name.
    expect(wide!.height).toBe(short!.height);
    for (const name of ['notes.txt', long]) await list.getByRole('button', { name: `Remove ${name}` }).click();
    await list.waitFor({ state: 'detached' });
  });

  it('shows an image in the viewer as wide as the screen', async () => {
    await inConversation(bart, chat.bart);
    await bart.page.getByRole('button', { name: /^Open wide\.png/ }).click();
    const viewer = bart.page.getByRole('dialog', { name: 'Image viewer' });
    const image = viewer.getByRole('img', { name: /^wide\.png/ });
    await image.waitFor();
    // The old code left it 132 px between Previous and Next.
    expect((await image.boundingBox())!.width).toBeGreaterThan(SMALL.width * 0.9);
    for (const name of ['Previous', 'Next', 'Close']) {
      const button = (await viewer.getByRole('button', { name }).boundingBox())!;
      expect(button.x, name).toBeGreaterThanOrEqual(0);
      expect(button.x + button.width, name).toBeLessThanOrEqual(SMALL.width);
    }
    await bart.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
  });

  it("fits the media storage table to the Settings screen, with each figure's cell", async () => {
    await bart.page.evaluate(() => (location.hash = '#/settings'));
    const table = bart.page.getByRole('table', { name: 'Media per conversation' });
    const clear = table.getByRole('button', { name: /^Clear downloaded media of / });
    await clear.waitFor();
    const width = await bart.page.evaluate(() => document.documentElement.clientWidth);
    // The old code: "Of the budget" and "Clear downloaded" past the screen, out of reach.
    for (const part of [table, clear, table.getByRole('cell', { name: /^\d+%$/ })]) {
      const box = (await part.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    // Still a table to assistive tech: the figures are cells under their column headers.
    await expect(table.getByRole('columnheader', { name: 'Downloaded' }).count()).resolves.toBe(1);
    expect(await table.getByRole('cell', { name: /^\d+(\.\d+)? kB$/ }).count()).toBeGreaterThanOrEqual(1);
  });
});
