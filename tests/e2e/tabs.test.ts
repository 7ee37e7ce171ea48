/**
 * Tabs of one browser profile stay in step through BroadcastChannel (docs/architecture.md §8.3),
 * even with no network, where WebRTC cannot connect them: what one tab writes, the other
 * shows, including a conversation created meanwhile. (One user's tabs: never used as a
 * stand-in for two users, who are always isolated contexts.)
 */
import { describe, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('tabs of one profile', () => {
  it('sync with each other while offline', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    await alice.send('before the tunnel');
    await alice.messageRow('before the tunnel').locator('[data-status]').waitFor();
    // The service worker must control the page for a second tab to open offline.
    await alice.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await alice.page.reload();
    await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await alice.waitForMessage('before the tunnel');

    await alice.context.setOffline(true);
    const tab = await alice.openTab();
    await tab.waitForMessage('before the tunnel');
    await tab.page.getByRole('status').filter({ hasText: /Offline|Connecting/ }).waitFor();

    await alice.send('written in the tunnel');
    await tab.waitForMessage('written in the tunnel');
    await tab.send('answered from the other tab');
    await alice.waitForMessage('answered from the other tab');

    // A conversation made in one tab appears in the other (through the self doc).
    await alice.newConversation();
    await alice.send('in a brand new room');
    await tab.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /in a brand new room/ }).click({ timeout: 20_000 });
    await tab.waitForMessage('in a brand new room');
    await alice.context.setOffline(false);
    await alice.close();
  });
});
