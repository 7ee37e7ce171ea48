/**
 * A person using Parley in their own isolated browser context. Every action goes through
 * roles and accessible names, as assistive technology would (docs/architecture.md §13).
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { diagnosePage, recordPageLog } from './page-diagnosis.js';

/**
 * Uncaught errors in the page go to the test's output, labelled with whose page it is; its
 * log is kept for a failed wait to report.
 */
function reportPageErrors(page: Page, label: string): void {
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error));
  recordPageLog(page);
}

export class ParleyUser {
  /** The other people of the scene (set by `pair`), whose pages a failed wait reports too. */
  private others: readonly ParleyUser[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    public page: Page,
  ) {}

  /**
   * A user in an existing context (e.g. a persistent profile), in its first page or, with
   * `newPage`, a page of its own (two users of one profile, on two origins).
   */
  static async inContext(context: BrowserContext, name: string, options: { newPage?: boolean } = {}): Promise<ParleyUser> {
    const page = (!options.newPage && context.pages()[0]) || (await context.newPage());
    reportPageErrors(page, name);
    return new ParleyUser(name, context, page);
  }

  /** A fresh context: its own IndexedDB, its own WebRTC stack, nothing shared. */
  static async create(browser: Browser, name: string, options: { viewport?: { width: number; height: number } } = {}): Promise<ParleyUser> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1100, height: 800 } });
    const page = await context.newPage();
    reportPageErrors(page, name);
    return new ParleyUser(name, context, page);
  }

  /**
   * Alice registers and starts a group, Bob joins it by its invite, and they are linked
   * (each sees the other): the start most two-person tests share.
   */
  static async pair(
    browser: Browser,
    appUrl: string,
    options: {
      viewport?: { width: number; height: number };
      /** The two users' names (Alice and Bob unless given); they come back as `alice` and `bob`. */
      names?: readonly [string, string];
      /** Run on both fresh contexts before either page opens the app (permissions, init scripts). */
      beforeStart?: (alice: ParleyUser, bob: ParleyUser) => Promise<unknown>;
    } = {},
  ): Promise<{ alice: ParleyUser; bob: ParleyUser; invite: string }> {
    const [first, second] = options.names ?? ['Alice', 'Bob'];
    const viewport = options.viewport ? { viewport: options.viewport } : {};
    const alice = await ParleyUser.create(browser, first, viewport);
    const bob = await ParleyUser.create(browser, second, viewport);
    await options.beforeStart?.(alice, bob);
    await alice.start(appUrl);
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await bob.log.waitFor();
    await alice.waitForPeers(1);
    await bob.waitForPeers(1);
    alice.others = [bob];
    bob.others = [alice];
    return { alice, bob, invite };
  }

  /**
   * Alice and Bob register, become contacts (Bob adds Alice's link, Alice accepts) and are
   * linked in their 1:1 chat, which Alice has open.
   */
  static async contactPair(browser: Browser, appUrl: string): Promise<{ alice: ParleyUser; bob: ParleyUser }> {
    const alice = await ParleyUser.create(browser, 'Alice');
    const bob = await ParleyUser.create(browser, 'Bob');
    await alice.start(appUrl);
    await bob.start(appUrl);
    await bob.addContact(await alice.myContactLink());
    await alice.acceptContact('Bob');
    await alice.waitForPeers(1);
    alice.others = [bob];
    bob.others = [alice];
    return { alice, bob };
  }

  /** Another tab of this user's browser profile (same context: same IndexedDB and keys). */
  async openTab(url = this.page.url()): Promise<ParleyUser> {
    const page = await this.context.newPage();
    reportPageErrors(page, `${this.name}, tab 2`);
    await page.goto(url);
    return new ParleyUser(this.name, this.context, page);
  }

  /**
   * Navigates this user's page to `url` and waits for it to load.
   *
   * Chromium driven over CDP sometimes leaves a fresh tab's first navigation hanging when
   * the answer comes from the service worker with `Cross-Origin-Opener-Policy: same-origin`
   * (the policy moves the tab to a new browsing-context group). Measured: about 1 in 40
   * such navigations never commit, and retrying in the same tab hangs again; without the
   * header, none in 200; a new tab always loads. So a navigation that has not committed
   * after 15 s is retried once in a new tab, which is what a person would do. The app
   * keeps the header (docs/architecture.md §13, "A hanging first navigation").
   */
  async open(url: string): Promise<void> {
    let retried = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // The retry in a new tab gets longer: on a loaded machine a first load that is merely
        // slow (not hung) can take more than 15 s, and a second timeout fails the test.
        await this.page.goto(url, { waitUntil: 'commit', timeout: retried ? 60_000 : 15_000 });
        break;
      } catch (error) {
        // The network lab adds and removes interfaces (namespaces, veths) while browsers run;
        // Chromium then aborts a navigation in flight with ERR_NETWORK_CHANGED. Go again.
        if (attempt <= 3 && error instanceof Error && error.message.includes('ERR_NETWORK_CHANGED')) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (retried || !isTimeout(error)) throw error;
        retried = true;
        await this.replaceStuckPage();
      }
    }
    try {
      await this.page.waitForLoadState('load');
    } catch (error) {
      // The same Chromium hang once after the commit (one reopening in CI, 2026-11-30): a new
      // tab, once, as above; a load that hangs again fails the test.
      if (retried || !isTimeout(error)) throw error;
      await this.replaceStuckPage();
      await this.page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    }
  }

  /** A hung tab is closed and a new one takes its place, as a person would do. */
  private async replaceStuckPage(): Promise<void> {
    const stuck = this.page;
    this.page = await this.context.newPage();
    reportPageErrors(this.page, this.name);
    await stuck.close({ runBeforeUnload: false });
  }

  async register(): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Your name' }).fill(this.name);
    await this.page.getByRole('button', { name: 'Start' }).click();
    await this.page.getByRole('button', { name: 'New conversation' }).waitFor();
  }

  /** Opens the app at `url`, registers, and returns once the main screen shows. */
  async start(url: string): Promise<void> {
    await this.open(url);
    await this.register();
  }

  /** Creates a conversation and returns its invite link, read from the Invite dialog. */
  async newConversation(): Promise<string> {
    const before = new URL(this.page.url()).hash;
    await this.page.getByRole('button', { name: 'New conversation' }).click();
    // Wait for the new conversation itself: the one open before has an invite link too.
    await this.page.waitForFunction((before) => /^#\/c\//.test(location.hash) && location.hash !== before, before);
    return this.inviteLink();
  }

  /** Opens the Invite dialog of the open group, reads its link, and closes it. */
  async inviteLink(): Promise<string> {
    await this.page.getByRole('button', { name: 'Invite', exact: true }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Invite people' });
    const link = await dialog.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await dialog.getByRole('button', { name: 'Close' }).click();
    return link;
  }

  /** Opens Contacts and returns this user's contact link, read from its textbox. */
  async myContactLink(): Promise<string> {
    await this.page.getByRole('link', { name: /^Contacts/ }).click();
    await this.page.getByRole('button', { name: 'Show my contact link' }).click();
    const box = this.page.getByRole('textbox', { name: 'My contact link' });
    await box.waitFor();
    await this.page.getByRole('img', { name: 'QR code of my contact link' }).waitFor();
    return box.inputValue();
  }

  /** Pastes someone's contact link into Add contact. */
  async addContact(link: string): Promise<void> {
    await this.page.getByRole('link', { name: /^Contacts/ }).click();
    await this.page.getByRole('textbox', { name: 'Contact link', exact: true }).fill(link);
    await this.page.getByRole('button', { name: 'Add contact' }).click();
    await this.page.getByText(/Request sent to|is already a contact/).waitFor();
  }

  /** Accepts a pending request and lands in the 1:1 conversation. */
  async acceptContact(name: string): Promise<void> {
    await this.page.getByRole('link', { name: /^Contacts/ }).click();
    await this.page.getByRole('button', { name: `Accept ${name}` }).click({ timeout: 30_000 });
    await this.log.waitFor();
  }

  /** Opens the 1:1 conversation with a contact from the sidebar. */
  async openChatWith(name: string): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: new RegExp(`^${escape(name)}`) }).click();
    await this.log.waitFor();
  }

  /** The safety number shown for a contact, digits only. */
  async safetyNumberOf(name: string): Promise<string> {
    await this.page.getByRole('link', { name: /^Contacts/ }).click();
    await this.page.getByRole('link', { name, exact: true }).click();
    const digits = this.page.getByLabel('Safety number');
    await this.page.getByRole('img', { name: `Safety number QR code for ${name}` }).waitFor();
    return (await digits.textContent())!.replace(/\s+/g, '');
  }

  get log(): Locator {
    return this.page.getByRole('log');
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  get status(): Locator {
    return this.page.getByRole('status').filter({ hasText: /^(Direct|Via relay|Offline)/ });
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.page.getByRole('button', { name: 'Send', exact: true }).click();
  }

  /** The rendered message whose text is exactly `text`. */
  messageRow(text: string): Locator {
    return this.log.locator('article').filter({ has: this.page.locator('p.text', { hasText: new RegExp(`^${escape(text)}$`) }) }).first();
  }

  /**
   * Waits until a message with exactly this text is rendered in the log. When it is not,
   * the error says where it stopped: this page's and the scene's other pages' timelines,
   * lists, links, unsent messages and mailboxes (page-diagnosis.ts).
   */
  async waitForMessage(text: string, timeout = 20_000): Promise<void> {
    try {
      await this.messageRow(text).waitFor({ timeout });
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
      const pages = await Promise.all([this, ...this.others].map((user) => diagnosePage(user.page, user.name, text)));
      throw new Error(`"${text}" was not rendered on ${this.name}'s page within ${timeout} ms. The pages said:\n${pages.join('\n')}`, { cause: error });
    }
  }

  /**
   * Waits until the app counts every one of `texts` in the open conversation as delivered
   * (acknowledged by every member or by the mailbox). Asks the app rather than the DOM: the
   * message list is virtualized, so rows scrolled away are not rendered.
   */
  async waitForDelivered(texts: readonly string[], timeout = 20_000): Promise<void> {
    await this.page.waitForFunction(
      (wanted) => {
        const app = document.querySelector('parley-app') as unknown as {
          client: { get(id: string): { timeline: { entries: { id: string; text: string }[] }; deliveryState(id: string): string } | undefined };
        };
        const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
        const session = app.client.get(id);
        if (!session) return false;
        return session.timeline.entries.filter((e) => wanted.includes(e.text) && session.deliveryState(e.id) === 'sent').length === wanted.length;
      },
      texts,
      { timeout },
    );
  }

  // 60 s: after a join starts a new epoch, members meet again on its topic (well under a
  // second on a quiet machine); a generous budget for loaded CI machines.
  async waitForPeers(count: number, timeout = 60_000): Promise<void> {
    const people = `${count} ${count === 1 ? 'person' : 'people'}`;
    await this.page.getByRole('status').filter({ hasText: new RegExp(`^(Direct|Via relay) · ${people}$`) }).waitFor({ timeout });
  }

  /** How the open conversation is connected: 'direct', 'relay' or 'offline'. */
  async connection(): Promise<string | null> {
    return this.page.locator('parley-connection-status').getAttribute('data-connection');
  }

  /** Message count and newest text as the app's own timeline holds them. */
  async timelineInfo(): Promise<{ size: number; last: string; first: string }> {
    return this.page.evaluate(() => {
      const app = document.querySelector('parley-app') as unknown as {
        client: { get(id: string): { timeline: { entries: { kind: string; text: string }[] } } | undefined };
      };
      const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
      const messages = (app.client.get(id)?.timeline.entries ?? []).filter((e) => e.kind === 'message');
      return { size: messages.length, last: messages.at(-1)?.text ?? '', first: messages[0]?.text ?? '' };
    });
  }

  /**
   * The texts of every message in the open conversation's timeline, in timeline order
   * (for comparing exact lists: nothing lost, nothing doubled).
   */
  async timelineTexts(): Promise<string[]> {
    return this.page.evaluate(() => {
      const app = document.querySelector('parley-app') as unknown as {
        client: { get(id: string): { timeline: { entries: { kind: string; text: string }[] } } | undefined };
      };
      const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
      return (app.client.get(id)?.timeline.entries ?? []).filter((e) => e.kind === 'message').map((e) => e.text);
    });
  }

  /**
   * Appends `count` messages authored by this user straight into the open conversation's
   * log, in batches, the way a long-lived conversation would have accumulated them. Used to
   * build large histories quickly; the sync under test is untouched.
   */
  async seedMessages(count: number, textLength = 0): Promise<void> {
    await this.page.evaluate(
      async ({ count, textLength }) => {
        const app = document.querySelector('parley-app') as unknown as {
          client: { get(id: string): { me: string; synced: { writer: { appendEvents(events: object[], origin: unknown): Promise<unknown> } } } | undefined };
        };
        const id = /^#\/c\/([0-9a-f]+)$/.exec(location.hash)?.[1] ?? '';
        const session = app.client.get(id);
        if (!session) throw new Error('no open conversation');
        // After everything this device wrote before (its join): an honest author's times only
        // go forward, and the timeline flags and re-sorts any that go back (core/timeline.ts).
        const start = Date.now();
        for (let i = 0; i < count; i += 1000) {
          const batch = [];
          for (let j = i; j < Math.min(count, i + 1000); j++) {
            const label = `message ${j + 1}`;
            const text = textLength > label.length ? `${label} ${'x'.repeat(textLength - label.length - 1)}` : label;
            batch.push({ id: `${session.me}.seed${j.toString(36).padStart(8, '0')}`, kind: 'message', author: session.me, at: start + j, text });
          }
          await session.synced.writer.appendEvents(batch, 'seed');
        }
        // The last one is dated `count` ms after the start: let that moment pass, so the history
        // is in the past for whoever joins next, as a real one is (on a fast machine a joiner
        // could otherwise arrive before the newest seeded times and count them as unread).
        const last = start + count - 1;
        while (Date.now() <= last) await new Promise((resolve) => setTimeout(resolve, last - Date.now() + 1));
      },
      { count, textLength },
    );
  }

  /**
   * Links a new device (a fresh context in `browser`) to this user's account from the
   * Devices screen, confirms it here, and returns it once its main screen shows.
   */
  async linkDevice(browser: Browser): Promise<ParleyUser> {
    await this.page.getByRole('link', { name: 'Devices' }).click();
    await this.page.getByRole('button', { name: 'Link a device' }).click();
    const deviceLink = await this.page.getByRole('textbox', { name: 'Device link' }).inputValue();
    const device = await ParleyUser.create(browser, this.name);
    await device.open(deviceLink);
    await device.page.getByRole('button', { name: 'Link this device' }).click();
    // Consent on the first device (docs/architecture.md §8.5).
    await this.page.getByRole('region', { name: 'A device asks to join' }).getByRole('button', { name: /^Link / }).click({ timeout: 30_000 });
    await device.page.getByRole('button', { name: 'New conversation' }).waitFor({ timeout: 30_000 });
    return device;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}
