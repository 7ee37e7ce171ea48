/**
 * Two and three people chat through real WebRTC found via the real signaling server
 * (docs/architecture.md §5). Each person is an isolated stage.browser context.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();

describe('chat between isolated browsers', () => {
  it('sends messages both ways over a data channel', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    // The invite secret and expiry, and the inviter's name sealed under it (for "Alice invited you").
    expect(invite).toMatch(/#join=[A-Za-z0-9_-]{43}&x=[0-9a-z]+&from=[A-Za-z0-9_-]+$/);

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

  it('three members sync, each seeing the others', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    for (const user of [bob, carol]) {
      await user.open(invite);
      await user.register();
    }
    for (const user of [alice, bob, carol]) await user.waitForPeers(2);

    await alice.send('from Alice');
    await bob.send('from Bob');
    await carol.send('from Carol');
    for (const user of [alice, bob, carol]) {
      for (const text of ['from Alice', 'from Bob', 'from Carol']) await user.waitForMessage(text);
    }
    await Promise.all([alice, bob, carol].map((u) => u.close()));
  });

  it('Shift+Enter adds a line, Enter sends, and a phone-sized screen works', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice', { viewport: { width: 390, height: 844 } });
    await alice.start(stage.app.url);
    await alice.newConversation();
    await alice.composer.click();
    await alice.composer.pressSequentially('line one');
    await alice.composer.press('Shift+Enter');
    await alice.composer.pressSequentially('line two');
    await expect(alice.composer.inputValue()).resolves.toBe('line one\nline two');
    await alice.composer.press('Enter');
    await alice.waitForMessage('line one\nline two');
    await expect(alice.composer.inputValue()).resolves.toBe('');
    // On a phone the list and the conversation take turns; Back returns to the list.
    await alice.page.getByRole('link', { name: 'Back to conversations' }).click();
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().waitFor();
    await expect(alice.composer.isVisible()).resolves.toBe(false);
    await alice.close();
  });

  it('an avatar chosen at registration is resized on the device and shown to others', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.open(stage.app.url);
    const original = gradientPng(1200, 800);
    await alice.page.getByLabel('Avatar (optional)').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: original });
    const preview = alice.page.getByRole('img', { name: 'Your avatar' });
    await preview.waitFor();
    const src = (await preview.getAttribute('src'))!;
    expect(src).toMatch(/^data:image\/(webp|jpeg);base64,/);
    expect(src.length).toBeLessThan(16_000);
    expect(src.length).toBeLessThan(original.length);
    await alice.register();
    const invite = await alice.newConversation();
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    await alice.send('look, a face');
    await bob.waitForMessage('look, a face');
    await expect(bob.messageRow('look, a face').locator('img.avatar').getAttribute('src')).resolves.toBe(src);
    await alice.close();
    await bob.close();
  });
});

