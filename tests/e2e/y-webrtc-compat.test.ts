/**
 * A stock y-webrtc `WebrtcProvider`, unmodified, syncs through Parley's signaling server in
 * two isolated browser contexts (docs/protocol.md §1: compatibility with the reference protocol).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useHarness } from '../helpers/harness-page.js';

const harness = useHarness('tests/fixtures/y-webrtc-client.ts', 'ywebrtc');

async function clientPage(room: string): Promise<Page> {
  const page = await harness.page();
  await page.evaluate(
    ({ url, room }) => {
      (window as unknown as { client: unknown }).client = (window as unknown as { ywebrtc: { start(u: string, r: string): unknown } }).ywebrtc.start(url, room);
    },
    { url: harness.app.url.replace('http', 'ws') + '/signal', room },
  );
  return page;
}

type ClientWindow = { client: { insert(s: string): void; read(): string; peers(): number } };

describe('stock y-webrtc through our server', () => {
  it('two isolated browsers sync over WebRTC found through /signal', async () => {
    const room = `compat-${Date.now()}`;
    const a = await clientPage(room);
    const b = await clientPage(room);
    await a.waitForFunction(() => (window as unknown as ClientWindow).client.peers() === 1, null, { timeout: 30_000 });
    await b.waitForFunction(() => (window as unknown as ClientWindow).client.peers() === 1, null, { timeout: 30_000 });
    await a.evaluate(() => (window as unknown as ClientWindow).client.insert('hello from a stock client'));
    await b.waitForFunction(() => (window as unknown as ClientWindow).client.read() === 'hello from a stock client', null, { timeout: 20_000 });
    expect(await b.evaluate(() => (window as unknown as ClientWindow).client.read())).toBe('hello from a stock client');
    expect(harness.app.server.stats().topics).toBeGreaterThanOrEqual(1);
    await a.context().close();
    await b.context().close();
  });
});
