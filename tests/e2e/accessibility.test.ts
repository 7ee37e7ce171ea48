/**
 * An automated accessibility audit (docs/architecture.md §11): axe-core, through every open
 * shadow root, on the screens people see, in light and dark color schemes, at 1366 px and
 * 360 px wide (where the layout becomes one column): first run, the conversation list, a
 * conversation with text, a photo, a file and a voice message (as received and as sent), the
 * image viewer, the message actions, Settings with its media section, Contacts with the
 * contact link's QR code, Devices and the Invite dialog. No violation of impact "serious" or
 * "critical" may be found; each one found is listed by screen, scheme and width.
 *
 * The scene is built once, in a browser with Chromium's fake microphone (the voice message
 * is really recorded), and every case goes to the screens it checks by their routes.
 * `tests/e2e/screens.test.ts` checks the other screens (join form, error banner, emoji
 * picker, linking a device) with the same helper.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { axeAudit, describeFinding, type AxeExemption } from '../helpers/axe-audit.js';
import { FAKE_MEDIA_ARGS, launchChromium } from '../helpers/browser.js';
import { DESKTOP, NARROW } from '../helpers/demo-scene.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();
const WIDTHS = [
  ['1366 px', DESKTOP],
  ['360 px', NARROW],
] as const;
const SCHEMES = ['light', 'dark'] as const;
const GREETING = 'The photos from Saturday, and the plan.';
const REPLY = 'Thanks! I will listen to it on the train.';

/** axe rules that misread one node; none so far. Each needs its reason. */
const EXEMPT: readonly AxeExemption[] = [];

interface Scene {
  readonly alice: ParleyUser;
  readonly bart: ParleyUser;
  /** `#/c/<id>` of the conversation, on each side. */
  readonly chat: { readonly alice: string; readonly bart: string };
}

const go = async (page: Page, hash: string): Promise<void> => {
  await page.evaluate((h) => (location.hash = h), hash);
};

/**
 * Alice starts a conversation, Bart joins; Alice sends a text, a photo, a file and a voice
 * message recorded from the fake microphone; Bart has them all (the photo and the file
 * downloaded, the voice message playable) and answers.
 */
async function buildScene(browser: Browser): Promise<Scene> {
  const { alice, bob: bart } = await ParleyUser.pair(browser, stage.app.url, { viewport: DESKTOP, names: ['Alice', 'Bart'] });
  await alice.send(GREETING);
  for (const [name, mimeType, buffer] of [
    ['station.png', 'image/png', gradientPng(640, 400)],
    ['plan.bin', 'application/octet-stream', randomBytes(40_000)],
  ] as const) {
    await alice.page.getByLabel('Attach').setInputFiles({ name, mimeType, buffer });
    await alice.page.getByRole('list', { name: 'Files to send' }).getByText(name).waitFor();
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
  }
  await alice.page.getByRole('button', { name: 'Record voice message' }).click();
  await alice.page.getByRole('timer', { name: 'Recording' }).filter({ hasText: 'Recording 0:01' }).waitFor({ timeout: 30_000 });
  await alice.page.getByRole('button', { name: 'Stop and send voice message' }).click();
  await bart.waitForMessage(GREETING);
  await bart.page.getByRole('button', { name: 'Open station.png' }).waitFor({ timeout: 60_000 });
  await bart.page.getByRole('link', { name: 'Download plan.bin' }).waitFor({ timeout: 60_000 });
  await bart.page.getByLabel(/^Voice message, 0:0\d$/).waitFor({ timeout: 60_000 });
  await bart.send(REPLY);
  await alice.waitForMessage(REPLY);
  return { alice, bart, chat: { alice: new URL(alice.page.url()).hash, bart: new URL(bart.page.url()).hash } };
}

interface Screen {
  readonly name: string;
  /** Shows the screen on `user`'s page; returns when it is on screen. */
  show(scene: Scene): Promise<Page>;
  /** Leaves it (closes a dialog). */
  leave?(page: Page): Promise<void>;
}

const closeDialog = async (page: Page): Promise<void> => {
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
};

const SCREENS: readonly Screen[] = [
  {
    name: 'conversation list',
    show: async ({ bart }) => {
      await go(bart.page, '#');
      await bart.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().waitFor();
      return bart.page;
    },
  },
  {
    name: 'conversation with text, a photo, a file and a voice message (received)',
    show: async ({ bart, chat }) => {
      await go(bart.page, chat.bart);
      await bart.waitForMessage(REPLY);
      await bart.page.getByRole('button', { name: 'Open station.png' }).waitFor();
      await bart.page.getByLabel(/^Voice message, /).waitFor();
      return bart.page;
    },
  },
  {
    name: 'conversation with text, a photo, a file and a voice message (sent)',
    show: async ({ alice, chat }) => {
      await go(alice.page, chat.alice);
      await alice.waitForMessage(REPLY);
      await alice.page.getByRole('button', { name: 'Open station.png' }).waitFor();
      await alice.page.getByLabel(/^Voice message, /).waitFor();
      return alice.page;
    },
  },
  {
    name: 'image viewer',
    show: async ({ bart, chat }) => {
      await go(bart.page, chat.bart);
      await bart.page.getByRole('button', { name: 'Open station.png' }).click();
      await bart.page.getByRole('dialog', { name: 'Image viewer' }).getByRole('img', { name: /^station\.png/ }).waitFor();
      return bart.page;
    },
    leave: closeDialog,
  },
  {
    name: 'message actions',
    show: async ({ bart, chat }) => {
      await go(bart.page, chat.bart);
      await bart.messageRow(GREETING).getByRole('button', { name: 'More actions' }).click();
      await bart.page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Reply' }).waitFor();
      return bart.page;
    },
    leave: closeDialog,
  },
  {
    name: 'invite dialog',
    // Alice's: she made the conversation, so she may invite.
    show: async ({ alice, chat }) => {
      await go(alice.page, chat.alice);
      await alice.page.getByRole('button', { name: 'Invite', exact: true }).click();
      await alice.page.getByRole('dialog', { name: 'Invite people' }).getByRole('img', { name: 'QR code of the invite link' }).waitFor();
      return alice.page;
    },
    leave: closeDialog,
  },
  {
    name: 'settings, with media',
    show: async ({ bart }) => {
      await go(bart.page, '#/settings');
      await bart.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      await bart.page.getByRole('table', { name: 'Media per conversation' }).getByRole('button', { name: /^Clear downloaded media of / }).waitFor();
      return bart.page;
    },
  },
  {
    name: 'contacts, with the contact link',
    show: async ({ bart }) => {
      await go(bart.page, '#/contacts');
      await bart.page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
      const show = bart.page.getByRole('button', { name: 'Show my contact link' });
      if (await show.isVisible()) await show.click();
      await bart.page.getByRole('img', { name: 'QR code of my contact link' }).waitFor();
      return bart.page;
    },
  },
  {
    name: 'devices',
    show: async ({ bart }) => {
      await go(bart.page, '#/devices');
      await bart.page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
      return bart.page;
    },
  },
];

/** The serious and critical findings on `page` in both schemes, each labelled. */
async function audit(page: Page, label: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const f of await axeAudit(page, EXEMPT)) {
      if (f.impact === 'serious' || f.impact === 'critical') found.push(`${label}, ${scheme}: ${describeFinding(f)}`);
    }
  }
  return found;
}

describe('accessibility audit (axe-core)', () => {
  let media: Browser;
  let scene: Scene;

  beforeAll(async () => {
    media = await launchChromium(FAKE_MEDIA_ARGS);
    scene = await buildScene(media);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([scene?.alice.close(), scene?.bart.close()]);
    await media?.close();
  });

  for (const [width, viewport] of WIDTHS) {
    it(`finds nothing serious or critical on any screen at ${width}, light and dark`, async () => {
      const found: string[] = [];
      // First run: a fresh browser profile, the registration form.
      const fresh = await ParleyUser.create(stage.browser, 'Newcomer', { viewport });
      await fresh.open(stage.app.url);
      await fresh.page.getByRole('textbox', { name: 'Your name' }).waitFor();
      found.push(...(await audit(fresh.page, `first run (${width})`)));
      await fresh.close();

      await Promise.all([scene.alice.page.setViewportSize(viewport), scene.bart.page.setViewportSize(viewport)]);
      for (const screen of SCREENS) {
        const page = await screen.show(scene);
        found.push(...(await audit(page, `${screen.name} (${width})`)));
        await screen.leave?.(page);
      }
      expect(found, `axe found ${found.length} serious or critical violations:\n${found.join('\n')}\n`).toEqual([]);
    }, 180_000);
  }
});
