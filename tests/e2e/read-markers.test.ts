/**
 * What was read stays read (docs/architecture.md §11): messages that arrived while their
 * conversation was on screen are read, even when the page closes or reloads right after.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('read markers', () => {
  it('messages seen just before the app closes are not unread when it opens again', async () => {
    const { alice, bob } = await ParleyUser.pair(stage.browser, stage.app.url);

    // Alice has the conversation on screen while Bob writes.
    for (const text of ['one', 'two', 'three']) await bob.send(text);
    await alice.waitForMessage('three');
    // Closed at once and opened again from its icon: the start URL, not the conversation's.
    await alice.page.goto(stage.app.url);
    // Away from the conversation, nothing of it counts as unread, in the list or the tab title,
    // once the list shows its newest message (the same render counts what is unread).
    const conversation = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /three/ });
    await conversation.waitFor({ timeout: 20_000 });
    expect(await conversation.textContent()).not.toMatch(/unread/);
    expect(await alice.page.title()).toBe('Parley');
    // And it opens with no "Unread messages" divider.
    await conversation.click();
    await alice.waitForMessage('three');
    expect(await alice.page.getByRole('separator', { name: 'Unread messages' }).count()).toBe(0);

    // Still counted when something new arrives while she is away (so the checks above could fail).
    await alice.page.getByRole('link', { name: 'Settings' }).click();
    await bob.send('four');
    const list = alice.page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('link', { name: /four/ }).getByLabel('1 unread').waitFor({ timeout: 20_000 });
    await alice.close();
    await bob.close();
  });
});
