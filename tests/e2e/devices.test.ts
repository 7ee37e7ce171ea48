/**
 * Several devices per person (docs/architecture.md §4): a linked device receives contacts and history
 * through the self doc, sends as the same person, shares read markers, and once removed is
 * refused by peers; devices have names the user can change.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEVICE_LINK_PURPOSE, parseDeviceLink } from '../../src/core/identity/device-link.js';
import { deriveChannel } from '../../src/core/keys.js';
import { openMessage } from '../../src/net/sealed-channel.js';
import { SignalingClient, type SocketLike } from '../../src/net/signaling-client.js';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

async function timelineTexts(user: ParleyUser): Promise<string[]> {
  return user.page.evaluate(() => {
    const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): { timeline: { entries: { kind: string; text: string }[] } } } };
    return app.client.list().flatMap((c) => app.client.get(c.id).timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text));
  });
}

describe('device names', () => {
  it('a device can be renamed, the name stays after a reload, and an empty name is refused with words', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.page.getByRole('link', { name: 'Devices' }).click();
    const list = alice.page.getByRole('list', { name: 'Your devices' });
    await list.getByRole('button', { name: /^Rename / }).click();
    const name = list.getByRole('textbox', { name: 'Device name' });
    await name.fill('   ');
    await name.press('Enter');
    await alice.page.getByRole('alert').filter({ hasText: 'Enter a name.' }).waitFor();
    await name.fill('Kitchen laptop');
    await list.getByRole('button', { name: 'Save' }).click();
    await list.getByText('Kitchen laptop (this device)').waitFor();
    expect(await list.getByRole('button', { name: 'Rename Kitchen laptop' }).count()).toBe(1);
    await alice.page.reload();
    await alice.page.getByRole('list', { name: 'Your devices' }).getByText('Kitchen laptop (this device)').waitFor();
    await alice.close();
  });
});

/**
 * Everything published on a device link's channel, opened with its key, as whoever holds the
 * link could: a Node socket on the app's server, beside the browsers.
 */
async function watchLink(deviceLink: string): Promise<{ kinds: () => string[]; close: () => void }> {
  const channel = await deriveChannel(parseDeviceLink(deviceLink), DEVICE_LINK_PURPOSE);
  const seen: string[] = [];
  const client = new SignalingClient({ url: stage.app.url, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start();
  client.on('message', (topic, data) => {
    if (topic !== channel.topic) return;
    void openMessage(channel.key, topic, data).then((value) => seen.push(String((value as { t?: unknown } | null)?.t)));
  });
  client.subscribe(channel.topic);
  await new Promise<void>((resolve) => (client.status === 'connected' ? resolve() : client.on('status', (s) => s === 'connected' && resolve())));
  return { kinds: () => [...seen], close: () => client.destroy() };
}

describe('device linking needs consent', () => {
  it('whoever opens the link first is shown with a code and gets nothing until the user confirms; refusing spends the link', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.page.getByRole('link', { name: 'Devices' }).click();
    await alice.page.getByRole('button', { name: 'Link a device' }).click();
    const deviceLink = await alice.page.getByRole('textbox', { name: 'Device link' }).inputValue();
    const wire = await watchLink(deviceLink);
    // Someone who saw the link over Alice's shoulder opens it first.
    const stranger = await ParleyUser.create(stage.browser, 'Stranger');
    await stranger.open(deviceLink);
    await stranger.page.getByRole('button', { name: 'Link this device' }).click();
    const asking = alice.page.getByRole('region', { name: 'A device asks to join' });
    await asking.getByLabel('Link code').waitFor({ timeout: 30_000 });
    await asking.getByRole('button', { name: 'Refuse' }).click();
    await alice.page.getByRole('status').filter({ hasText: 'The device was refused' }).waitFor();
    // The link is spent: the real device opening it now is not shown to Alice.
    const late = await ParleyUser.create(stage.browser, 'Alice');
    await late.open(deviceLink);
    await late.page.getByRole('button', { name: 'Link this device' }).click();
    const before = wire.kinds().length;
    await expect.poll(() => wire.kinds().slice(before), { timeout: 30_000 }).toContain('link-request');
    // Alice links it with a new link. Her device sends on both channels through one socket,
    // in order: once her grant on the new one has come, anything she sent on the first
    // before it has come too; and her page took the late device's request on the spent link
    // (had it reached her) before the request on the new one.
    await alice.page.getByRole('button', { name: 'Link a device' }).click();
    const newLink = await alice.page.getByRole('textbox', { name: 'Device link' }).inputValue();
    const newWire = await watchLink(newLink);
    // (A fresh browser for it: the late one still waits on the spent link.)
    const real = await ParleyUser.create(stage.browser, 'Alice');
    await real.open(newLink);
    await real.page.getByRole('button', { name: 'Link this device' }).click();
    const code = await real.page.getByLabel('Link code').textContent({ timeout: 30_000 });
    await expect.poll(() => asking.getByLabel('Link code').textContent(), { timeout: 30_000 }).toBe(code);
    expect(await asking.count()).toBe(1);
    await asking.getByRole('button', { name: /^Link / }).click();
    await expect.poll(() => newWire.kinds(), { timeout: 30_000 }).toContain('link-grant');
    await real.page.getByRole('button', { name: 'New conversation' }).waitFor({ timeout: 30_000 });
    // Nothing was ever granted on the first link: the stranger still waits.
    expect(wire.kinds()).not.toContain('link-grant');
    expect(wire.kinds()).toContain('link-request');
    expect(await stranger.page.getByRole('button', { name: 'New conversation' }).count()).toBe(0);
    expect(await late.page.getByRole('button', { name: 'New conversation' }).count()).toBe(0);
    for (const w of [wire, newWire]) w.close();
    await Promise.all([alice, stranger, late, real].map((u) => u.close()));
  });
});

describe('multiple devices', () => {
  it('links a second device that gets contacts and history, sends as the same person, and once removed (after a confirmation) is told so and sends nothing', async () => {
    const { alice, bob } = await ParleyUser.contactPair(stage.browser, stage.app.url);
    for (const text of ['before linking 1', 'before linking 2']) await alice.send(text);
    await bob.openChatWith('Alice');
    await bob.waitForMessage('before linking 2');

    // Alice links a second device.
    await alice.page.getByRole('link', { name: 'Devices' }).click();
    await alice.page.getByRole('button', { name: 'Link a device' }).click();
    const deviceLink = await alice.page.getByRole('textbox', { name: 'Device link' }).inputValue();
    await alice.page.getByRole('img', { name: 'QR code of the device link' }).waitFor();
    const second = await ParleyUser.create(stage.browser, 'Alice');
    await second.open(deviceLink);
    await second.page.getByRole('button', { name: 'Link this device' }).click();
    // Consent: Alice's first device shows the request and a code; it matches the new device's.
    const shownOnNew = await second.page.getByLabel('Link code').textContent({ timeout: 30_000 });
    const asking = alice.page.getByRole('region', { name: 'A device asks to join' });
    const shownOnFirst = await asking.getByLabel('Link code').textContent({ timeout: 30_000 });
    expect(shownOnFirst).toBe(shownOnNew);
    await asking.getByRole('button', { name: /^Link / }).click();
    await second.page.getByRole('button', { name: 'New conversation' }).waitFor({ timeout: 30_000 });
    await alice.page.getByRole('status').filter({ hasText: /^Linked / }).waitFor();

    // Contacts and history arrive through the self doc and from any member.
    await second.page.getByRole('link', { name: /^Contacts/ }).click();
    await second.page.getByRole('link', { name: 'Bob', exact: true }).waitFor({ timeout: 30_000 });
    await second.openChatWith('Bob');
    await second.waitForMessage('before linking 2', 30_000);

    // It writes as Alice.
    await second.send('from my second device');
    await bob.waitForMessage('from my second device');
    await bob.messageRow('from my second device').getByText('Alice', { exact: true }).waitFor();
    await alice.openChatWith('Bob');
    await alice.waitForMessage('from my second device');
    await alice.messageRow('from my second device').locator('[data-status]').waitFor();

    // Read markers live in the self doc: what one device has read is read on the other.
    const unreadChat = (user: ParleyUser) => user.page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /^Bob.*1 unread/ });
    await second.page.getByRole('link', { name: /^Contacts/ }).click();
    await bob.send('read on one device');
    await alice.waitForMessage('read on one device');
    await unreadChat(second).waitFor({ timeout: 20_000 });
    // The first device has the conversation on screen, so there it is not unread.
    expect(await unreadChat(alice).count()).toBe(0);
    // Leaving it records the marker, which reaches the second device.

    // The first device removes it, after a confirmation; the removed device is told, and
    // stops pretending to send.
    await alice.page.getByRole('link', { name: 'Devices' }).click();
    await unreadChat(second).waitFor({ state: 'detached', timeout: 20_000 });
    const list = alice.page.getByRole('list', { name: 'Your devices' });
    await list.getByRole('listitem').nth(1).waitFor();
    await list.getByRole('button', { name: /^Remove / }).click();
    const confirm = alice.page.getByRole('alertdialog');
    await confirm.getByText(/will stop receiving messages/).waitFor();
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await list.getByText('Removed').waitFor();
    await second.page.getByRole('alert').filter({ hasText: 'This device was removed' }).first().waitFor({ timeout: 20_000 });
    await bob.page.waitForFunction(
      () => {
        const app = document.querySelector('parley-app') as unknown as { client: { list(): { id: string }[]; get(id: string): { synced: { directory: { revocation(d: string): unknown } } } } };
        return app.client.list().some((c) => [...(app.client.get(c.id).synced.directory as unknown as { revocations: Map<string, unknown> }).revocations.keys()].length > 0);
      },
      null,
      { timeout: 20_000 },
    );
    await second.openChatWith('Bob');
    await second.page.getByText('This device was removed from your account. Nothing you write here is sent.').waitFor({ timeout: 20_000 });
    // No message box: nothing shows as "Sent" that nobody will get.
    expect(await second.composer.count()).toBe(0);
    expect(await timelineTexts(bob)).toContain('from my second device');
    await Promise.all([alice, bob, second].map((u) => u.close()));
  });
});
