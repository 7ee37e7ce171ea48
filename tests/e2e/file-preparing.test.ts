/**
 * Sending a large file (docs/architecture.md §14.4): both passes over its bytes, hashing in
 * the seal worker and then sealing and storing on the page, take seconds, and the file's
 * row in the list of files to send says how far they are.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { attach, sendAttached, slowed, watchProgress } from '../helpers/file-page.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage({ maxFileBytes: 21 * 1024 * 1024 });

describe('a file being prepared', () => {
  it('a large file being prepared shows how far its encryption is, until its message shows', async () => {
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    await alice.newConversation();
    await attach(alice, 'large.bin', 'application/octet-stream', randomBytes(20 * 1024 * 1024));
    // Slowed, so the two passes over 20 MB last seconds on a quiet machine too.
    const fullSpeed = await slowed(alice);
    await sendAttached(alice);
    const bar = alice.page.getByRole('progressbar', { name: 'Encrypting large.bin' });
    const row = alice.log.locator('article').filter({ hasText: 'large.bin' });
    const seen = await watchProgress(bar, row.waitFor({ timeout: 120_000 }));
    await fullSpeed();
    // Figures between the start and the end, never going back.
    expect(seen.some((v) => v > 0 && v < 100), `seen: ${seen.join(', ')}`).toBe(true);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    await expect.poll(() => bar.count()).toBe(0);
    await alice.close();
  });
});
