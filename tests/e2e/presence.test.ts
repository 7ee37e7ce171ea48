/**
 * Presence and typing (docs/architecture.md §6.3, §5.6): contacts show online or "last seen", from opaque ids the
 * server cannot attribute; typing travels only over the data channel and expires.
 */
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { ParleyUser } from '../helpers/parley-user.js';

const frames: string[] = [];
const stage = useAppStage({ tap: (text) => frames.push(text) });

describe('presence and typing', () => {
  it('shows online, then "last seen", and typing that expires and never reaches the server', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await alice.start(stage.app.url);
    await bob.start(stage.app.url);
    await bob.addContact(await alice.myContactLink());
    await alice.acceptContact('Bob');
    await bob.openChatWith('Alice');
    await bob.page.locator('[data-presence]').filter({ hasText: /^online$/ }).waitFor({ timeout: 20_000 });

    // Typing shows on the other side and clears by itself: Alice stopped typing but sent
    // nothing and her draft is still there. (How soon it expires is TypingState's unit
    // test, on a fake clock; wall-clock bounds belong in the benchmarks.)
    await alice.composer.pressSequentially('I am thinking');
    const typing = bob.page.getByText('Alice is typing…');
    await typing.waitFor({ timeout: 10_000 });
    await typing.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => alice.composer.inputValue()).toBe('I am thinking');
    expect(await bob.page.getByText('I am thinking').count()).toBe(0);
    expect(frames.some((f) => f.includes('typing'))).toBe(false);

    // Presence ids are opaque, and one per message: the server saw single hex ids, never a
    // name or key, and never a list of a device's conversations in one frame.
    const presenceFrames = frames.filter((f) => f.includes('"presence'));
    expect(presenceFrames.length).toBeGreaterThan(0);
    for (const f of presenceFrames) {
      expect(f).not.toContain('Alice');
      const message = JSON.parse(f) as { type: string; id: unknown; ids?: unknown };
      expect(message.type).toBe('presence-change');
      expect(message.id).toMatch(/^[0-9a-f]{32}$/);
      expect(message.ids).toBeUndefined();
    }

    await alice.close();
    await bob.page.locator('[data-presence]').filter({ hasText: /^last seen/ }).waitFor({ timeout: 30_000 });
    // The contact list says the same.
    await bob.page.getByRole('link', { name: /^Contacts/ }).click();
    await bob.page.getByText(/^last seen/).first().waitFor();
    await bob.close();
  });
});
