/**
 * Two people whose browsers can find no WebRTC path (tests/helpers/no-ice-path.ts) chat
 * through the server's blind relay (docs/architecture.md §5.4): the header says "Via relay",
 * messages go both ways, and a late joiner gets the history through it.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { NO_ICE_PATH } from '../helpers/no-ice-path.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

async function userWithoutIcePath(name: string): Promise<ParleyUser> {
  const user = await ParleyUser.create(stage.browser, name);
  await user.context.addInitScript(NO_ICE_PATH);
  return user;
}

describe('chat through the blind relay', () => {
  it('links over the relay when no direct path exists, says so, and carries messages and history both ways', async () => {
    const alice = await userWithoutIcePath('Alice');
    const bob = await userWithoutIcePath('Bob');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();
    for (let i = 1; i <= 30; i++) await alice.send(`before Bob ${i}`);
    await alice.waitForMessage('before Bob 30');

    await bob.open(invite);
    await bob.register();
    await alice.waitForPeers(1);
    await bob.waitForPeers(1);
    await expect(alice.page.getByRole('status').filter({ hasText: /^Via relay · 1 person$/ }).count()).resolves.toBe(1);
    expect(await bob.connection()).toBe('relay');
    await bob.waitForMessage('before Bob 30');

    await alice.send('Hello through the relay');
    await bob.waitForMessage('Hello through the relay');
    await bob.send('Loud and clear');
    await alice.waitForMessage('Loud and clear');
    await Promise.all([alice.close(), bob.close()]);
  });
});
