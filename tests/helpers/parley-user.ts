/**
 * A person using Parley in their own isolated browser context. Every action goes through
 * roles and accessible names, as assistive technology would (ARCHITECTURE §8).
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

export class ParleyUser {
  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    public page: Page,
  ) {}

  /** A fresh context: its own IndexedDB, its own WebRTC stack, nothing shared. */
  static async create(browser: Browser, name: string, options: { viewport?: { width: number; height: number } } = {}): Promise<ParleyUser> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
    return new ParleyUser(name, context, page);
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
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

  /** Creates a conversation and returns its invite link, read from the readonly textbox. */
  async newConversation(): Promise<string> {
    await this.page.getByRole('button', { name: 'New conversation' }).click();
    const box = this.page.getByRole('textbox', { name: 'Invite link' });
    await box.waitFor();
    return box.inputValue();
  }

  get log(): Locator {
    return this.page.getByRole('log');
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message' });
  }

  get status(): Locator {
    return this.page.getByRole('status').filter({ hasText: /peer|Offline|Connecting/ });
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.page.getByRole('button', { name: 'Send' }).click();
  }

  /** Waits until a message with exactly this text is rendered in the log. */
  async waitForMessage(text: string, timeout = 20_000): Promise<void> {
    await this.log.locator('p.text', { hasText: text }).filter({ hasText: new RegExp(`^${escape(text)}$`) }).first().waitFor({ timeout });
  }

  async waitForPeers(count: number, timeout = 30_000): Promise<void> {
    const label = `Connected to ${count} ${count === 1 ? 'peer' : 'peers'}`;
    await this.page.getByRole('status').filter({ hasText: label }).waitFor({ timeout });
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

  async close(): Promise<void> {
    await this.context.close();
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
