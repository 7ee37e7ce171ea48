/**
 * One lab case from start to end: build the networks, start the servers, put Alice and Bob
 * at their computers in their own Chromium, run the case, and tear everything down even when
 * the case fails. A failing case carries the lab's evidence in its error: router packet
 * counters, the server namespace's UDP sockets, server and coturn output, and what each
 * page's RTCPeerConnections chose.
 */
import { ParleyUser } from '../../helpers/parley-user.js';
import { launchInNamespace, peerConnections, recordPeerConnections, type LabBrowser } from './browsers.js';
import { SERVER_ORIGIN, startCoturn, startParley, type LabService } from './services.js';
import { NetworkLab, SERVER_NS, removeLabNamespaces, type Computer, type HomeSpec } from './topology.js';

export interface SceneOptions {
  /** The homes; Alice sits at the first computer of home 1, Bob at the last computer of the last home. */
  readonly homes: readonly HomeSpec[];
  /** Server environment on top of the `npm start` defaults. */
  readonly serverEnv?: Readonly<Record<string, string>>;
  /** Start coturn on the internet (see services.ts). */
  readonly coturn?: boolean;
}

export interface Scene {
  readonly lab: NetworkLab;
  readonly alice: ParleyUser;
  readonly bob: ParleyUser;
  readonly aliceAt: Computer;
  readonly bobAt: Computer;
}

/** The static app `npm start` would serve (built once by the suite's global setup). */
const STATIC_DIR = 'dist';

export async function withScene(options: SceneOptions, body: (scene: Scene) => Promise<void>): Promise<void> {
  const browsers: LabBrowser[] = [];
  const services: LabService[] = [];
  let lab: NetworkLab | undefined;
  const users: ParleyUser[] = [];
  try {
    lab = await NetworkLab.build(options.homes);
    const aliceAt = lab.homes[0]!.computers[0]!;
    const bobAt = lab.homes.at(-1)!.computers.at(-1)!;
    if (aliceAt === bobAt) throw new Error('a scene needs two computers');
    if (options.coturn) services.push(await startCoturn());
    services.push(await startParley(STATIC_DIR, options.serverEnv));
    for (const [name, at] of [['Alice', aliceAt], ['Bob', bobAt]] as const) {
      const browser = await launchInNamespace(at.ns, SERVER_ORIGIN);
      browsers.push(browser);
      const user = await ParleyUser.create(browser.browser, name);
      await recordPeerConnections(user.context);
      users.push(user);
    }
    const scene: Scene = { lab, alice: users[0]!, bob: users[1]!, aliceAt, bobAt };
    try {
      await body(scene);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n\n--- lab evidence ---\n${await evidence(lab, users, services)}`, { cause: error });
    }
  } finally {
    for (const user of users) await user.close().catch(() => undefined);
    for (const browser of browsers) await browser.close();
    for (const service of services) await service.stop().catch(() => undefined);
    // Deleting the namespaces also kills anything still running inside them.
    await (lab ? lab.destroy() : removeLabNamespaces());
  }
}

async function evidence(lab: NetworkLab, users: readonly ParleyUser[], services: readonly LabService[]): Promise<string> {
  const parts: string[] = [];
  const attempt = async (what: string, get: () => Promise<string>): Promise<void> => {
    try {
      parts.push(`## ${what}\n${await get()}`);
    } catch (error) {
      parts.push(`## ${what}: unavailable (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  for (const user of users) {
    await attempt(`${user.name}'s connection status`, async () => `${await user.status.textContent({ timeout: 1000 })} (data-connection=${await user.connection()})`);
    await attempt(`${user.name}'s peer connections`, async () => JSON.stringify(await peerConnections(user.page), null, 1));
  }
  for (const home of lab.homes) await attempt(`router ${home.router}`, () => lab.routerCounters(home));
  await attempt('UDP sockets on the server host', () => NetworkLab.sockets(SERVER_NS));
  for (const [i, service] of services.entries()) await attempt(`service ${i} output (last 3000 chars)`, async () => service.output().slice(-3000));
  return parts.join('\n');
}
