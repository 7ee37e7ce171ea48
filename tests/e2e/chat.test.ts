/**
 * Two and three people chat through real WebRTC found via the real signaling server
 * (issue 2, items 2–6). Each person is an isolated browser context.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { launchChromium } from '../helpers/browser.js';
import { ParleyUser } from '../helpers/parley-user.js';

let browser: Browser;
let app: AppServer;

beforeAll(async () => {
  browser = await launchChromium();
  app = await startAppServer();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('chat between isolated browsers', () => {
  it('sends messages both ways over a data channel', async () => {
    const alice = await ParleyUser.create(browser, 'Alice');
    const bob = await ParleyUser.create(browser, 'Bob');
    await alice.start(app.url);
    const invite = await alice.newConversation();
    expect(invite).toMatch(/#join=[A-Za-z0-9_-]{43}$/);

    await bob.open(invite);
    await bob.register();
    await bob.log.waitFor();
    await alice.waitForPeers(1);
    await bob.waitForPeers(1);

    await alice.send('Hello Bob');
    await bob.waitForMessage('Hello Bob');
    await bob.composer.fill('Hi Alice!');
    await bob.composer.press('Enter');
    await alice.waitForMessage('Hi Alice!');

    // Author names travel with the conversation, not through the server.
    await expect(bob.log.getByText('Alice', { exact: true }).first().isVisible()).resolves.toBe(true);
    await alice.close();
    await bob.close();
  });
});
