/**
 * Editing, deleting and reacting (docs/architecture.md §3.1 names them as signed events; here a user does
 * them from the message list): the change reaches the other member, only the writer can
 * edit or delete, and a reload keeps it.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('message actions', () => {
  it('edits, reacts to and deletes messages, and every member sees it', async () => {
    const { alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url);
    await bob.waitForPeers(1);

    // Alice fixes a typo in place; Enter saves.
    await alice.send('see you at noom');
    await bob.waitForMessage('see you at noom');
    await alice.messageRow('see you at noom').getByRole('button', { name: 'Edit' }).click();
    const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
    await expect.poll(() => editor.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await editor.fill('see you at noon');
    await editor.press('Enter');
    await bob.waitForMessage('see you at noon');
    await bob.messageRow('see you at noon').getByText('(edited)').waitFor();
    expect(await bob.log.getByText('see you at noom').count()).toBe(0);

    // Bob cannot edit or delete Alice's words; he can react.
    const onBob = bob.messageRow('see you at noon');
    expect(await onBob.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await onBob.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await onBob.getByRole('button', { name: 'React with 👍' }).click();
    await onBob.getByRole('button', { name: '👍 1', pressed: true }).waitFor();
    const onAlice = alice.messageRow('see you at noon');
    await onAlice.getByRole('button', { name: '👍 1', pressed: false }).waitFor();
    // Alice adds hers to the same reaction; then Bob withdraws his.
    await onAlice.getByRole('button', { name: '👍 1' }).click();
    await onBob.getByRole('button', { name: '👍 2', pressed: true }).waitFor();
    await onBob.getByRole('button', { name: '👍 2' }).click();
    await onAlice.getByRole('button', { name: '👍 1', pressed: true }).waitFor();

    // Alice deletes a message, after confirming, for everyone.
    await alice.send('wrong chat, sorry');
    await bob.waitForMessage('wrong chat, sorry');
    await alice.messageRow('wrong chat, sorry').getByRole('button', { name: 'Delete' }).click();
    const confirm = alice.page.getByRole('group', { name: 'Confirm deletion' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await alice.waitForMessage('wrong chat, sorry');
    await alice.messageRow('wrong chat, sorry').getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete for everyone' }).click();
    await bob.log.getByText('This message was deleted.').waitFor();
    await expect.poll(() => bob.log.getByText('wrong chat, sorry').count()).toBe(0);
    await alice.log.getByText('This message was deleted.').waitFor();

    // All of it is stored: a reload shows the same.
    await bob.page.reload();
    await bob.waitForMessage('see you at noon');
    await bob.messageRow('see you at noon').getByText('(edited)').waitFor();
    await bob.messageRow('see you at noon').getByRole('button', { name: '👍 1', pressed: false }).waitFor();
    await bob.log.getByText('This message was deleted.').waitFor();
    expect(await bob.log.getByText('wrong chat, sorry').count()).toBe(0);
    await Promise.all([alice.close(), bob.close()]);
  });
});
