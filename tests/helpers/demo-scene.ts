/**
 * A conversation as people have one, built through the UI, for the tests that look at
 * whole screens (accessibility, layout, screenshots): Alice and a member with a very long
 * name exchange messages with a reply, a link, a reaction and a long paragraph. Names and
 * texts are fixed so the screens are the same on every run.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { AppStage } from './app-stage.js';
import { ParleyUser } from './parley-user.js';

export const LONG_NAME = 'Bartholomew Maximilian Featherstonehaugh-Cholmondeley III';
export const PHONE = { width: 390, height: 844 } as const;
export const NARROW = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1366, height: 820 } as const;
/** The two sizes every whole-screen test covers. */
export const SIZES = [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const;

export interface DemoScene {
  readonly alice: ParleyUser;
  readonly bart: ParleyUser;
  /** `#/c/<id>` of the conversation. */
  readonly conversation: string;
  readonly invite: string;
  close(): Promise<void>;
}

export async function buildDemoScene(browser: Browser, appUrl: string): Promise<DemoScene> {
  const alice = await ParleyUser.create(browser, 'Alice', { viewport: DESKTOP });
  const bart = await ParleyUser.create(browser, LONG_NAME, { viewport: DESKTOP });
  await alice.start(appUrl);
  const invite = await alice.newConversation();
  const conversation = new URL(alice.page.url()).hash;
  await bart.open(invite);
  await bart.register();
  await alice.waitForPeers(1);
  await bart.waitForPeers(1);

  await alice.send('Morning! Are we still on for the station at noon?');
  await bart.waitForMessage('Morning! Are we still on for the station at noon?');
  await bart.messageRow('Morning! Are we still on for the station at noon?').getByRole('button', { name: 'Reply' }).click();
  await bart.composer.fill('Yes, see you there. The map is at https://example.org/station');
  await bart.composer.press('Enter');
  await bart.send(
    'I will be coming from the north side, so I might be a few minutes late if the trains are slow again. ' +
      'If so, wait by the big clock under the departure board — it is the only place with a bench and some shade.',
  );
  const last = 'Great, I will bring the tickets.';
  await alice.waitForMessage('Yes, see you there. The map is at https://example.org/station');
  await alice.messageRow('Yes, see you there. The map is at https://example.org/station').getByRole('button', { name: 'React with 👍' }).click();
  await alice.send(last);
  await bart.waitForMessage(last);
  await bart.messageRow(last).getByRole('button', { name: 'React with ❤️' }).click();
  await alice.messageRow(last).getByRole('button', { name: '❤️ 1' }).waitFor();
  await alice.messageRow(last).locator('[data-status="sent"]').waitFor({ timeout: 20_000 });
  return {
    alice,
    bart,
    conversation,
    invite,
    close: async () => {
      await Promise.all([alice.close(), bart.close()]);
    },
  };
}

/** One demo scene for a test file: built before its tests, closed after them. */
export function useDemoScene(stage: AppStage): () => DemoScene {
  let scene: DemoScene | undefined;
  beforeAll(async () => {
    scene = await buildDemoScene(stage.browser, stage.app.url);
  });
  afterAll(async () => {
    await scene?.close();
  });
  return () => {
    if (!scene) throw new Error('the demo scene is built in beforeAll');
    return scene;
  };
}
