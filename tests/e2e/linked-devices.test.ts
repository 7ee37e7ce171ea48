/**
 * Linked devices (docs/architecture.md §4): a device linked later receives every
 * conversation and its history, including groups whose other members never saw it, and
 * its conversation list shows their last messages, and it joins quietly (joins are per
 * person).
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();

describe('linked devices', () => {
  it('a newly linked device gets every group and its history (time printed)', async () => {
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const carol = await ParleyUser.create(stage.browser, 'Carol');
    const logs: string[] = [];
    for (const u of [alice, bob, carol]) u.page.on('console', (m) => logs.push(`${new Date().toISOString().slice(11, 23)} [${u.name}] ${m.text()}`));
    // The apps' own log lines say where a failed run stopped (which epoch, which peer).
    onTestFailed(() => console.log(logs.filter((l) => /parley/.test(l)).join('\n')));
    await bob.start(stage.app.url);
    await alice.start(stage.app.url);
    await carol.start(stage.app.url);
    const invite = await bob.newConversation();
    await bob.send('hello group');
    await alice.open(invite);
    await alice.waitForMessage('hello group');
    await carol.open(invite);
    await carol.waitForMessage('hello group');
    await alice.send('from alice');
    await bob.waitForMessage('from alice');

    const phone = await alice.linkDevice(stage.browser);
    phone.page.on('console', (m) => logs.push(`${new Date().toISOString().slice(11, 23)} [phone] ${m.text()}`));
    const started = Date.now();
    try {
      // Before the conversation is opened, the new device's list says what was last written,
      // never "No messages yet".
      const list = phone.page.getByRole('navigation', { name: 'Conversations' });
      await list.getByText('You: from alice').waitFor({ timeout: 10_000 });
      expect(await list.getByText('No messages yet').count()).toBe(0);
      await list.getByRole('link').first().click({ timeout: 10_000 });
      await phone.waitForMessage('hello group', 10_000);
      await phone.waitForMessage('from alice', 10_000);
    } finally {
      console.log(`took ${Date.now() - started} ms`);
    }

    // Joins are per person: the new device joined quietly. Its message comes after anything
    // it wrote on opening, so once Bob has it, a second "Alice joined" would be there too.
    await phone.send('from the phone');
    await bob.waitForMessage('from the phone');
    expect(await bob.log.getByText('Alice joined', { exact: true }).count()).toBe(1);
    await Promise.all([alice, bob, carol, phone].map((u) => u.close()));
  });
});
