/**
 * Files from the command line to a person in Chromium, with the browser's own file code on
 * both ends (docs/architecture.md §12, §14): `parley send --file` seals the file into its
 * SQLite profile, sends the message, serves the chunks, and exits only once the person's
 * device holds the whole file, showing progress on the way; the person downloads exactly
 * the bytes sent. Missing, empty and too-large files get exit code 9 and a clear message
 * before anything is sent. The server's file cap here is 8 MiB, so "too large" is cheap.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAppStage } from '../helpers/app-stage.js';
import { parley, RunningCli } from '../helpers/cli.js';
import { ParleyUser } from '../helpers/parley-user.js';

const MAX = 8 * 1024 * 1024;
const stage = useAppStage({ maxFileBytes: MAX });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-cli-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function downloadedHash(user: ParleyUser, name: string): Promise<string> {
  const link = user.page.getByRole('link', { name: `Download ${name}` });
  await link.waitFor({ timeout: 120_000 });
  const [download] = await Promise.all([user.page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(name);
  return sha256(await readFile(await download.path()));
}

describe('parley send --file', () => {
  it('sends a file a Chromium user downloads byte for byte, with progress, and refuses bad files clearly', async () => {
    const profile = path.join(dir, 'bot');
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    try {
      await alice.start(stage.app.url);
      const invite = await alice.newConversation();
      const init = await parley(['init', '--name', 'Build bot', '--profile', profile, '--server', stage.app.url]);
      expect(init.code, init.stderr).toBe(0);
      const joined = await parley(['join', invite, '--profile', profile]);
      expect(joined.code, joined.stderr).toBe(0);
      // Errors first: nothing is sent, exit 9, the reason on stderr.
      const missing = await parley(['send', invite, '--file', path.join(dir, 'nope.bin'), '--profile', profile]);
      expect(missing.code).toBe(9);
      expect(missing.stderr).toMatch(/no such file: .*nope\.bin/);
      const emptyPath = path.join(dir, 'empty.bin');
      await writeFile(emptyPath, '');
      const empty = await parley(['send', invite, '--file', emptyPath, '--profile', profile]);
      expect(empty.code).toBe(9);
      expect(empty.stderr).toMatch(/empty/);
      const hugePath = path.join(dir, 'huge.bin');
      await writeFile(hugePath, Buffer.alloc(MAX + 1));
      const huge = await parley(['send', invite, '--file', hugePath, '--profile', profile]);
      expect(huge.code).toBe(9);
      expect(huge.stderr).toMatch(/over the server's limit of 8388608/);
      expect((await parley(['send', invite, '--profile', profile])).code).toBe(2);

      // 3 MiB: over the 1 MiB progress threshold, under the 25 MB auto-download.
      const bytes = randomBytes(3 * 1024 * 1024);
      const file = path.join(dir, 'build-log.bin');
      await writeFile(file, bytes);
      const sent = await parley(['send', invite, 'Nightly build log', '--file', file, '--profile', profile, '--json', '--timeout', '90'], {}, 180_000);
      expect(sent.code, sent.stderr).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({ name: 'build-log.bin', size: bytes.length });
      // Progress on stderr (one line each when not a terminal), ending at the whole file.
      expect(sent.stderr).toMatch(/Sending build-log\.bin \(3\.1 MB\): waiting for a member/);
      expect(sent.stderr).toMatch(/Sending build-log\.bin: 3\.1 of 3\.1 MB \(100%\)/);

      await alice.waitForMessage('Nightly build log');
      await expect(alice.messageRow('Nightly build log').getAttribute('aria-label')).resolves.toMatch(/^Build bot \(bot\), /);
      // The CLI has exited: Alice's device holds the whole file, and it checks out.
      expect(await downloadedHash(alice, 'build-log.bin')).toBe(sha256(bytes));
      // A Node peer has no bulk worker and never says `ready` on the bulk channel Alice's page
      // opened: its chunks came on the link's own channel (docs/architecture.md §14.2).
      const counts = await alice.page.evaluate(() => ({ ...(document.querySelector('parley-app') as unknown as { files: { transferCounts: Record<string, number> } }).files.transferCounts }));
      expect(counts.bulk).toBe(0);
      expect(counts.inBand).toBeGreaterThan(0);

      // While listen holds the profile, send --file goes through it, and listen prints files.
      const listen = RunningCli.start(['listen', '--json', '--profile', profile]);
      try {
        await listen.waitFor(/Listening/);
        const small = randomBytes(40_000);
        const smallPath = path.join(dir, 'small.bin');
        await writeFile(smallPath, small);
        const viaHolder = await parley(['send', invite, '--file', smallPath, '--profile', profile, '--timeout', '90'], {}, 180_000);
        expect(viaHolder.code, viaHolder.stderr).toBe(0);
        expect(viaHolder.stdout).toMatch(/^Sent small\.bin \(40,000 bytes\)/);
        expect(await downloadedHash(alice, 'small.bin')).toBe(sha256(small));
      } finally {
        expect(await listen.stop()).toBe(0);
      }
    } finally {
      await alice.close();
    }
  }, 300_000);
});
