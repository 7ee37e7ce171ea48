/**
 * Changing the display name and avatar after first launch (src/client/profile.ts): others
 * see the new profile from then on, earlier messages keep the name they were sent with, the
 * user's linked device adopts it, and bad input is refused with words while nothing stored
 * changes.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';
import { gradientPng } from '../helpers/png.js';

const stage = useAppStage();

async function openSettings(user: ParleyUser) {
  await user.page.getByRole('link', { name: 'Settings' }).click();
  return user.page.getByRole('region', { name: 'Profile' });
}

describe('profile', () => {
  it('a rename and a new avatar reach the group and the linked device; bad input changes nothing', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    const conversation = alice.page.url();
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    await alice.send('before the rename');
    await bob.waitForMessage('before the rename');
    const phone = await alice.linkDevice(stage.browser);

    const profile = await openSettings(alice);
    await expect(profile.getByRole('textbox', { name: 'Your name' }).inputValue()).resolves.toBe('Alice');
    await profile.getByRole('textbox', { name: 'Your name' }).fill('Alice Liddell');
    await profile.getByLabel('Avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: gradientPng(600, 400) });
    const preview = profile.getByRole('img', { name: 'Your avatar' });
    await preview.waitFor();
    const avatar = (await preview.getAttribute('src'))!;
    expect(avatar).toMatch(/^data:image\/(webp|jpeg);base64,/);
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await profile.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();

    await alice.page.goto(conversation);
    await alice.send('after the rename');
    await bob.waitForMessage('after the rename');
    // New messages carry the new name and avatar; the earlier one keeps the name it was sent with.
    await expect(bob.messageRow('after the rename').getAttribute('aria-label')).resolves.toMatch(/^Alice Liddell, /);
    await expect(bob.messageRow('after the rename').locator('img.avatar').getAttribute('src')).resolves.toBe(avatar);
    await expect(bob.messageRow('before the rename').getAttribute('aria-label')).resolves.toMatch(/^Alice, /);
    await bob.page.getByRole('heading', { level: 1, name: 'Alice Liddell' }).waitFor();
    await bob.page.getByRole('button', { name: 'Members' }).click();
    await bob.page.getByRole('list', { name: 'Members' }).getByText('Alice Liddell', { exact: true }).waitFor();

    // The linked device adopts the profile through the self doc.
    const phoneProfile = await openSettings(phone);
    await expect.poll(() => phoneProfile.getByRole('textbox', { name: 'Your name' }).inputValue(), { timeout: 30_000 }).toBe('Alice Liddell');
    await expect(phoneProfile.getByRole('img', { name: 'Your avatar' }).getAttribute('src')).resolves.toBe(avatar);

    // Bad input: clear words, and nothing stored changes.
    const name = profile.getByRole('textbox', { name: 'Your name' });
    await openSettings(alice);
    await name.fill('   ');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await expect(profile.getByRole('alert').textContent()).resolves.toBe('Enter a name.');
    // Typing stops at 64 characters; a longer name that reaches the form anyway is refused.
    await name.evaluate((input: HTMLInputElement) => input.removeAttribute('maxlength'));
    await name.fill('A'.repeat(65));
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await expect(profile.getByRole('alert').textContent()).resolves.toBe('Names are at most 64 characters.');
    await profile.getByLabel('Avatar').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await expect(profile.getByRole('alert').textContent()).resolves.toBe('Choose an image file for your avatar.');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await expect(profile.getByRole('alert').textContent()).resolves.toBe('Names are at most 64 characters.');

    await alice.page.reload();
    const reloaded = await openSettings(alice);
    await expect(reloaded.getByRole('textbox', { name: 'Your name' }).inputValue()).resolves.toBe('Alice Liddell');
    await expect(reloaded.getByRole('img', { name: 'Your avatar' }).getAttribute('src')).resolves.toBe(avatar);
    await expect(phoneProfile.getByRole('textbox', { name: 'Your name' }).inputValue()).resolves.toBe('Alice Liddell');
    await Promise.all([alice, bob, phone].map((u) => u.close()));
  });
});
