/**
 * The lab's networks, built from network namespaces and veth pairs. Nothing is created in
 * the host namespace: every link is made directly inside the lab's namespaces, so the host's
 * interfaces, routes and iptables chains are never touched, and deleting the namespaces
 * removes every link, bridge and rule with them.
 *
 * ```
 *                    plab-srv   eth0: 100.64.0.1 (Parley), 100.64.0.2 (coturn)
 *                       |
 *                    plab-inet  ("the internet": a router, 100.64.0.254 towards the servers)
 *          home1 100.64.1.1 /            \ home2 100.64.2.1
 *     wan 100.64.1.2 plab-r1            plab-r2 wan 100.64.2.2      NAT routers
 *     lan 10.1.0.1 (bridge)             lan 10.2.0.1 (bridge)
 *        |         |                       |
 *  plab-h1c1   plab-h1c2               plab-h2c1                    computers
 *  10.1.0.11   10.1.0.12               10.2.0.11
 * ```
 *
 * The servers have one interface, as a public host has: a server socket bound to all
 * addresses then answers from the address it was asked on (a multi-homed host would answer
 * UDP from its outgoing interface's address, which a NAT drops as unsolicited).
 *
 * Addresses are from 100.64.0.0/10 (shared address space) and 10.0.0.0/8, used only inside
 * these namespaces. The name prefix `plab-` marks everything the lab owns, so a run that
 * crashed can be cleaned up by the next one.
 */
import { inNs, ip, iptables } from './shell.js';

export const PREFIX = 'plab-';
export const INTERNET_NS = `${PREFIX}inet`;
/** Namespace of the Parley server and coturn. */
export const SERVER_NS = `${PREFIX}srv`;
export const SERVER_IP = '100.64.0.1';
export const TURN_IP = '100.64.0.2';

/**
 * How a home router maps its computers' flows onto its one public address:
 * - `cone`: Linux MASQUERADE keeps the source port, so every destination sees the same
 *   public port (endpoint-independent mapping) and hole punching works;
 * - `symmetric`: `--random-fully` picks a random port per destination, so the port a STUN
 *   server saw is useless to a peer.
 */
export type NatKind = 'cone' | 'symmetric';

export interface HomeSpec {
  readonly nat: NatKind;
  /** Computers on the home's LAN (one browser each). */
  readonly computers: number;
  /** Probability (0..1) that the router drops a packet crossing its WAN, each way. */
  readonly loss?: number;
}

export interface Computer {
  readonly ns: string;
  readonly ip: string;
  readonly home: number;
}

export interface Home {
  readonly index: number;
  readonly router: string;
  readonly publicIp: string;
  readonly spec: HomeSpec;
  readonly computers: readonly Computer[];
}

const routerNs = (h: number): string => `${PREFIX}r${h}`;
const computerNs = (h: number, c: number): string => `${PREFIX}h${h}c${c}`;

/** Namespaces left by the lab (this run or a crashed one). */
async function labNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
}

/**
 * Kills every process inside the lab's namespaces and deletes the namespaces (with their
 * links, bridges and iptables rules). Safe to call when nothing is there.
 */
export async function removeLabNamespaces(): Promise<void> {
  const names = await labNamespaces();
  for (const ns of names) {
    const pids = (await ip('netns', 'pids', ns).catch(() => '')).split('\n').filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) await ip('netns', 'del', ns).catch(() => undefined);
  const left = await labNamespaces();
  if (left.length > 0) throw new Error(`could not remove lab namespaces: ${left.join(', ')}`);
}

async function addNs(ns: string): Promise<void> {
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
}

/** Turns on routing in `ns` (through /proc, so procps's sysctl need not be installed). */
const enableForwarding = (ns: string): Promise<string> => inNs(ns, '/bin/sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward');

/** A veth pair with one end in each namespace, both up. */
async function link(nsA: string, nameA: string, nsB: string, nameB: string): Promise<void> {
  await ip('link', 'add', 'name', nameA, 'netns', nsA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB);
  await ip('-n', nsA, 'link', 'set', nameA, 'up');
  await ip('-n', nsB, 'link', 'set', nameB, 'up');
}

export class NetworkLab {
  private constructor(readonly homes: readonly Home[]) {}

  /** All computers, home by home. */
  get computers(): Computer[] {
    return this.homes.flatMap((h) => h.computers);
  }

  /**
   * Builds the internet and one home per spec. Leftovers of an earlier run are removed
   * first; if building fails half way, whatever was made is removed before rethrowing.
   */
  static async build(homes: readonly HomeSpec[]): Promise<NetworkLab> {
    await removeLabNamespaces();
    try {
      await addNs(INTERNET_NS);
      await enableForwarding(INTERNET_NS);
      await addNs(SERVER_NS);
      await link(INTERNET_NS, 'srv', SERVER_NS, 'eth0');
      await ip('-n', INTERNET_NS, 'addr', 'add', '100.64.0.254/24', 'dev', 'srv');
      // The first address is the primary one: replies from sockets bound to all addresses use it.
      await ip('-n', SERVER_NS, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'eth0');
      await ip('-n', SERVER_NS, 'addr', 'add', `${TURN_IP}/24`, 'dev', 'eth0');
      await ip('-n', SERVER_NS, 'route', 'add', 'default', 'via', '100.64.0.254');
      const built: Home[] = [];
      for (const [i, spec] of homes.entries()) built.push(await buildHome(i + 1, spec));
      return new NetworkLab(built);
    } catch (error) {
      await removeLabNamespaces().catch(() => undefined);
      throw error;
    }
  }

  /** Packet counters of a router's rules, for diagnosing a failed case. */
  async routerCounters(home: Home): Promise<string> {
    const tables = await Promise.all(['mangle', 'nat', 'filter'].map((t) => iptables(home.router, '-t', t, '-L', '-v', '-n').then((out) => `# ${t}\n${out}`)));
    return tables.join('');
  }

  /** UDP sockets in a namespace with their processes (`ss -uanp`, from iproute2). */
  static sockets(ns: string): Promise<string> {
    return inNs(ns, 'ss', '-uanp');
  }

  async destroy(): Promise<void> {
    await removeLabNamespaces();
  }
}

async function buildHome(h: number, spec: HomeSpec): Promise<Home> {
  const router = routerNs(h);
  const publicIp = `100.64.${h}.2`;
  await addNs(router);
  await link(INTERNET_NS, `home${h}`, router, 'wan');
  await ip('-n', INTERNET_NS, 'addr', 'add', `100.64.${h}.1/24`, 'dev', `home${h}`);
  await ip('-n', router, 'addr', 'add', `${publicIp}/24`, 'dev', 'wan');
  await ip('-n', router, 'route', 'add', 'default', 'via', `100.64.${h}.1`);
  await enableForwarding(router);
  // The LAN is a bridge in the router, so computers of one home share a subnet (and its
  // multicast, which Chromium's mDNS host candidates need).
  await ip('-n', router, 'link', 'add', 'lan', 'type', 'bridge');
  await ip('-n', router, 'link', 'set', 'lan', 'up');
  await ip('-n', router, 'addr', 'add', `10.${h}.0.1/24`, 'dev', 'lan');
  await natRules(router, spec);

  const computers: Computer[] = [];
  for (let c = 1; c <= spec.computers; c++) {
    const ns = computerNs(h, c);
    const address = `10.${h}.0.${10 + c}`;
    await addNs(ns);
    await link(router, `lan${c}`, ns, 'eth0');
    await ip('-n', router, 'link', 'set', `lan${c}`, 'master', 'lan');
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'route', 'add', 'default', 'via', `10.${h}.0.1`);
    computers.push({ ns, ip: address, home: h });
  }
  return { index: h, router, publicIp, spec, computers };
}

/**
 * The router's NAT. Unsolicited inbound packets are dropped in mangle PREROUTING, before
 * conntrack confirms them: otherwise an early packet from a peer would create a conntrack
 * entry for the router itself on the very public port the inside host is about to be mapped
 * to, and the NAT would then give the inside host another port (learned the hard way).
 */
async function natRules(router: string, spec: HomeSpec): Promise<void> {
  await iptables(router, '-t', 'mangle', '-A', 'PREROUTING', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP');
  const masquerade = ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'];
  await iptables(router, ...(spec.nat === 'symmetric' ? [...masquerade, '--random-fully'] : masquerade));
  if (spec.loss !== undefined && spec.loss > 0) {
    const p = String(spec.loss);
    await iptables(router, '-t', 'mangle', '-I', 'PREROUTING', '1', '-i', 'wan', '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP');
    await iptables(router, '-t', 'mangle', '-A', 'POSTROUTING', '-o', 'wan', '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP');
  }
}
