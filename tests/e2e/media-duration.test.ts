/**
 * Recordings made with `MediaRecorder` (Chromium's own, from its fake camera and microphone)
 * state no duration: a media element reports `duration === Infinity` until it has read the
 * file to its end. The sender reads the real length anyway (seeking to the end) and the
 * message carries it; the receiver's box says it before the bytes are here, the players have
 * a finite duration, and no page ever shows "Infinity" or "NaN" (docs/architecture.md §14.4).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { FAKE_MEDIA_ARGS, launchChromium } from '../helpers/browser.js';
import { ParleyUser } from '../helpers/parley-user.js';

/** A WebM recorded for `ms` from the fake camera (with sound) or the fake microphone, in `user`'s page, and what a fresh element says its duration is. */
const record = (user: ParleyUser, video: boolean, ms: number): Promise<{ bytes: number[]; type: string; duration: number }> =>
  user.page.evaluate(
    async ({ video, ms }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      const recorder = new MediaRecorder(stream, { mimeType: video ? 'video/webm' : 'audio/webm' });
      const parts: Blob[] = [];
      recorder.ondataavailable = (e) => parts.push(e.data);
      const stopped = new Promise((resolve) => (recorder.onstop = resolve));
      recorder.start(250);
      await new Promise((resolve) => setTimeout(resolve, ms));
      recorder.stop();
      await stopped;
      for (const track of stream.getTracks()) track.stop();
      const blob = new Blob(parts, { type: recorder.mimeType });
      // What a player reads from its metadata alone.
      const probe = document.createElement(video ? 'video' : 'audio');
      probe.preload = 'metadata';
      const url = URL.createObjectURL(blob);
      probe.src = url;
      await new Promise((resolve) => probe.addEventListener('loadedmetadata', resolve, { once: true }));
      const duration = probe.duration;
      URL.revokeObjectURL(url);
      return { bytes: [...new Uint8Array(await blob.arrayBuffer())], type: blob.type.split(';')[0]!, duration };
    },
    { video, ms },
  );

/** Sets the user's auto-download size for files other than images (MB) in Settings, and comes back. */
async function autoDownloadUpTo(user: ParleyUser, mb: string): Promise<void> {
  const conversation = user.page.url();
  await user.page.evaluate(() => (location.hash = '#/settings'));
  const input = user.page.getByRole('spinbutton', { name: /Download other files automatically/ });
  await input.fill(mb);
  await input.press('Enter');
  await input.blur();
  await user.page.goto(conversation);
}

const seconds = (text: string): number => {
  const [m, s] = text.split(':').map(Number);
  return m! * 60 + s!;
};

describe('recordings without a stated duration', () => {
  let browser: Browser;
  let app: AppServer;
  let alice: ParleyUser;
  let bob: ParleyUser;

  beforeAll(async () => {
    browser = await launchChromium(FAKE_MEDIA_ARGS);
    app = await startAppServer();
    ({ alice, bob } = await ParleyUser.pair(browser, app.url));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await browser?.close();
    await app?.close();
  });

  it("are sent with their real length, shown before the bytes are here, and play with a finite duration", async () => {
    await autoDownloadUpTo(bob, '0');
    const files = [
      { name: 'camera.webm', kind: 'video', ...(await record(alice, true, 2_500)) },
      // Its bytes sniff as video (WebM): it has no picture, so it goes as audio, not a black 16:9 box.
      { name: 'memo.webm', kind: 'audio', ...(await record(alice, false, 2_500)) },
    ];
    for (const file of files) {
      // Not vacuous: the recording states no duration.
      expect(file.duration, file.name).toBe(Infinity);
      await alice.page.getByLabel('Attach').setInputFiles({ name: file.name, mimeType: file.type, buffer: Buffer.from(file.bytes) });
      await alice.page.getByRole('list', { name: 'Files to send' }).getByText(file.name).waitFor();
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await alice.page.getByRole('list', { name: 'Files to send' }).waitFor({ state: 'detached', timeout: 30_000 });

      // The receiver's box, before the bytes are here, names the length the message carries.
      const box = bob.page.getByRole('group', { name: new RegExp(`^${file.name.replace('.', '\\.')} \\(${file.kind}, (\\d:\\d\\d), not here yet\\)$`) });
      await box.waitFor({ timeout: 60_000 });
      const shown = /, (\d:\d\d), not here yet/.exec((await box.getAttribute('aria-label'))!)![1]!;
      expect(seconds(shown), `${file.name}: ${shown}`).toBeGreaterThanOrEqual(2);
      expect(seconds(shown), `${file.name}: ${shown}`).toBeLessThanOrEqual(3);

      // Fetched, its player finds the same length; so does the sender's.
      // Over the auto-download size, the box offers Download (it offered none for a video or audio file).
      await box.getByRole('button', { name: `Download ${file.name}` }).click();
      for (const user of [bob, alice]) {
        const player = user.page.getByLabel(file.name, { exact: true });
        await player.waitFor({ timeout: 60_000 });
        expect(await player.evaluate((media: HTMLMediaElement) => media.localName), `${user.name}'s ${file.name}`).toBe(file.kind);
        await expect
          .poll(() => player.evaluate((media: HTMLMediaElement) => media.duration), { timeout: 20_000, message: `${user.name}'s ${file.name} player` })
          .toBeLessThan(Infinity);
        const duration = await player.evaluate((media: HTMLMediaElement) => media.duration);
        expect(Math.abs(duration - seconds(shown)), `${user.name}'s ${file.name}: ${duration} s`).toBeLessThanOrEqual(0.6);
        // Left at its start, ready to play.
        expect(await player.evaluate((media: HTMLMediaElement) => media.currentTime)).toBe(0);
      }
    }
    for (const user of [alice, bob]) expect(await user.page.getByText(/Infinity|NaN/).count(), user.name).toBe(0);
  });
});
