/**
 * Delivery and read receipts (docs/architecture.md §7.5): an own message shows Sent, then
 * Delivered once a device of another member holds it, then Read once a member read it;
 * Message info lists who read it when. "Send read receipts" off: no read receipts sent,
 * none shown (Signal's rule). Labels are text, so assistive technology reads them.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

/** The delivery label of one of the user's messages, once it says `label`. */
async function waitForStatus(user: ParleyUser, text: string, label: 'Delivered' | 'Read'): Promise<void> {
  // 60 s: a device rewrites its receipt at most every 30 s.
  const t0 = Date.now();
  await user.messageRow(text).getByText(label, { exact: true }).waitFor({ timeout: 60_000 });
  console.log(`${text}: ${label} after ${Date.now() - t0} ms`);
}

describe('receipts', () => {
  it('Delivered, then Read with who and when; turned off, none sent and none shown', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    const group = new URL(alice.page.url()).hash;
    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);

    // Bob looks elsewhere: the message reaches his device, unread.
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    await alice.send('are you there?');
    await waitForStatus(alice, 'are you there?', 'Delivered');
    await expect(alice.messageRow('are you there?').getByText('Read', { exact: true }).count()).resolves.toBe(0);

    await bob.page.evaluate((hash) => (location.hash = hash), group);
    await bob.waitForMessage('are you there?');
    await waitForStatus(alice, 'are you there?', 'Read');
    await alice.messageRow('are you there?').click({ button: 'right' });
    await alice.page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Message info' }).click();
    const info = alice.page.getByRole('dialog', { name: 'Message info' });
    await expect(info.getByRole('list', { name: 'Read by' }).getByRole('listitem').textContent()).resolves.toMatch(/^Bob /);
    await info.getByRole('button', { name: 'Close' }).click();

    // Bob turns read receipts off: Alice sees his device got the next one, never that he read it.
    await bob.page.getByRole('link', { name: 'Settings' }).click();
    await bob.page.getByRole('checkbox', { name: 'Send read receipts' }).uncheck();
    await bob.page.evaluate((hash) => (location.hash = hash), group);
    await alice.send('second, read quietly');
    await bob.waitForMessage('second, read quietly');
    await waitForStatus(alice, 'second, read quietly', 'Delivered');
    await expect(alice.messageRow('second, read quietly').getByText('Read', { exact: true }).count()).resolves.toBe(0);
    await expect(alice.messageRow('are you there?').getByText('Read', { exact: true }).count()).resolves.toBe(1);

    // Nor does Bob see Alice's: her receipt saying she read his message shows as Delivered.
    await bob.send('ok');
    await alice.waitForMessage('ok');
    await waitForStatus(bob, 'ok', 'Delivered');
    await expect(bob.messageRow('ok').getByText('Read', { exact: true }).count()).resolves.toBe(0);
    await bob.messageRow('ok').click({ button: 'right' });
    await bob.page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Message info' }).click();
    await bob.page.getByRole('dialog', { name: 'Message info' }).getByText('Read receipts are off in Settings').waitFor();
    await Promise.all([alice, bob].map((u) => u.close()));
  }, 240_000);
});
