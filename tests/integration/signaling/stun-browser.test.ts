/**
 * The real check of the built-in STUN responder: Chromium, configured only from the
 * server's own `/api/config`, gathers a server-reflexive (`srflx`) ICE candidate, which it
 * can only do when our Binding response parsed as valid STUN.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/browser.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let t: TestServer;
let browser: Browser;

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('built-in STUN with Chromium', () => {
  it('Chromium gathers a srflx candidate from the STUN server /api/config names, with no ICE error', async () => {
    const page = await browser.newPage();
    await page.goto(t.httpUrl);
    const result = await page.evaluate(async () => {
      const { iceServers } = (await (await fetch('/api/config')).json()) as { iceServers: RTCIceServer[] };
      const pc = new RTCPeerConnection({ iceServers });
      const candidates: string[] = [];
      const errors: string[] = [];
      pc.onicecandidate = (e) => {
        if (e.candidate) candidates.push(e.candidate.candidate);
      };
      pc.onicecandidateerror = (e) => errors.push(`${(e as RTCPeerConnectionIceErrorEvent).errorCode}`);
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      pc.close();
      return { iceServers, candidates, errors };
    });
    expect(result.iceServers).toEqual([{ urls: `stun:127.0.0.1:${t.server.stunPort}` }]);
    expect(result.errors).toEqual([]);
    expect(result.candidates.some((c) => / typ srflx /.test(c))).toBe(true);
    expect(t.server.networkMetrics.stunAnswered).toBeGreaterThan(0);
    await page.close();
  });
});
