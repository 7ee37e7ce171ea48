/**
 * Open file descriptors of a process, by kind, against its limit (Linux /proc; elsewhere
 * nothing is counted and nothing is checked).
 *
 * Groups that run many WebRTC peers in this one process (removal: a mesh of 20 members is 380
 * connections here) hold sockets and libwebrtc task queues by the thousand. When one runs
 * short, libwebrtc's task queue cannot make its event base and aborts the whole process
 * ("epoll_create: Too many open files"), so the bench died before printing its table. A group
 * checks its budget as it builds (`DescriptorBudget`) and stops with an error that says what
 * was open, and the table shows its rows as errors.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface Descriptors {
  readonly total: number;
  /** The soft limit (`ulimit -n`); null when unknown. */
  readonly limit: number | null;
}

export interface DescriptorKinds extends Descriptors {
  /** Count by kind: socket/udp, socket/tcp, socket/unix, pipe, eventpoll, eventfd, file… */
  readonly kinds: ReadonlyMap<string, number>;
}

/** The soft "Max open files" of a /proc/<pid>/limits text; null when absent or unlimited. */
export function softLimit(limits: string): number | null {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
}

/**
 * The kind of one descriptor from its /proc link: `socket:[123]` (with its protocol when
 * `sockets` knows the inode), `pipe:[4]`, `anon_inode:[eventpoll]`, `anon_inode:[eventfd]`,
 * or a path (`file`).
 */
export function descriptorKind(target: string, sockets: ReadonlyMap<string, string> = new Map()): string {
  const socket = /^socket:\[(\d+)\]$/.exec(target);
  if (socket) return `socket/${sockets.get(socket[1]!) ?? 'other'}`;
  const anon = /^anon_inode:\[?([^\]]+)\]?$/.exec(target);
  if (anon) return anon[1]!;
  const special = /^([a-z]+):\[/.exec(target);
  return special ? special[1]! : 'file';
}

/**
 * Socket inodes → protocol (`tcp-listen` for a listening TCP socket), from the tables of
 * /proc/<pid>/net (the process's namespace): in the ip tables (udp, tcp and their 6s) the
 * inode is a row's tenth field, in unix its seventh.
 */
export function socketProtocols(tables: Readonly<Record<string, string>>): Map<string, string> {
  const protocols = new Map<string, string>();
  for (const [protocol, text] of Object.entries(tables)) {
    const column = protocol === 'unix' ? 6 : 9;
    const name = protocol.replace(/6$/, '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const inode = fields[column];
      // A TCP socket's fourth field is its state: 0A is listening, the rest are connections.
      if (inode && /^\d+$/.test(inode) && inode !== '0') protocols.set(inode, name === 'tcp' && fields[3] === '0A' ? 'tcp-listen' : name);
    }
  }
  return protocols;
}

const proc = (pid: number | 'self', path: string): string => `/proc/${pid}/${path}`;

function limitOf(pid: number | 'self'): number | null {
  try {
    return softLimit(readFileSync(proc(pid, 'limits'), 'utf8'));
  } catch {
    return null;
  }
}

/** How many descriptors `pid` holds (cheap: one directory read); null off Linux. */
export function countDescriptors(pid: number | 'self' = 'self'): Descriptors | null {
  try {
    return { total: readdirSync(proc(pid, 'fd')).length, limit: limitOf(pid) };
  } catch {
    return null;
  }
}

/** Descriptors of `pid` by kind (reads every link: for progress lines, not tight loops). */
export function descriptorKinds(pid: number | 'self' = 'self'): DescriptorKinds | null {
  let names: string[];
  try {
    names = readdirSync(proc(pid, 'fd'));
  } catch {
    return null;
  }
  const tables: Record<string, string> = {};
  for (const protocol of ['udp', 'udp6', 'tcp', 'tcp6', 'unix']) {
    try {
      tables[protocol] = readFileSync(proc(pid, `net/${protocol}`), 'utf8');
    } catch {
      // Not there: such sockets count as socket/other.
    }
  }
  const sockets = socketProtocols(tables);
  const kinds = new Map<string, number>();
  for (const name of names) {
    let target: string;
    try {
      target = readlinkSync(proc(pid, `fd/${name}`));
    } catch {
      continue; // closed since the directory was read
    }
    const kind = descriptorKind(target, sockets);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return { total: names.length, limit: limitOf(pid), kinds };
}

/** "12,345 of 20,000 open (socket/tcp 6,000, eventpoll 900, …)". */
export function describeDescriptors(d: Descriptors | DescriptorKinds): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const kinds = 'kinds' in d ? ` (${[...d.kinds].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} ${n(c)}`).join(', ')})` : '';
  return `${n(d.total)}${d.limit === null ? '' : ` of ${n(d.limit)}`} open${kinds}`;
}

/**
 * Stops a group before this process runs out of descriptors: once fewer than `reserve` of
 * the limit (and at least `minReserve`) are left, `check` throws saying what is open, so the
 * group fails with a reason and its cleanup still has descriptors to work with. The reserve
 * must exceed what one step of the group opens between two checks: one join to a mesh of 19
 * opens 38 connections here, about 1,200 descriptors once settled.
 */
export class DescriptorBudget {
  constructor(
    private readonly reserve = 0.1,
    private readonly minReserve = 1_000,
    /** How often `during` checks (a directory read of up to thousands of entries). */
    private readonly everyMs = 100,
  ) {}

  check(what: string): void {
    const d = countDescriptors();
    if (!d || d.limit === null || d.limit - d.total > Math.max(d.limit * this.reserve, this.minReserve)) return;
    throw new Error(`out of file descriptors while ${what}: ${describeDescriptors(descriptorKinds() ?? d)}; stopped before native code ends the process (ulimit -n)`);
  }

  /**
   * `work`, checked while it runs: rejects with `check`'s error as soon as the budget is
   * spent. The caller's cleanup then runs while `work` is abandoned (its later failure is
   * ignored).
   */
  during<T>(work: Promise<T>, what: string): Promise<T> {
    work.catch(() => undefined);
    let timer: ReturnType<typeof setInterval> | undefined;
    const spent = new Promise<never>((_, reject) => {
      const tick = (): void => {
        try {
          this.check(what);
        } catch (error) {
          reject(error as Error);
        }
      };
      tick();
      timer = setInterval(tick, this.everyMs);
    });
    return Promise.race([work, spent]).finally(() => clearInterval(timer));
  }
}
