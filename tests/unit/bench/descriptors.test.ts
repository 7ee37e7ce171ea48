/**
 * The bench's descriptor count (bench/descriptors.ts), which stops a group before native code
 * runs the process out of descriptors, and its UDP-only filter (bench/udp-only.ts). Real
 * sockets are opened here and must show up under their kind.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { countDescriptors, DescriptorBudget, descriptorKind, descriptorKinds, softLimit } from '../../../bench/descriptors.js';
import { isTcpCandidate } from '../../../bench/udp-only.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('bench descriptors', () => {
  it('reads the soft limit of /proc/<pid>/limits', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax processes             63704                63704                processes \nMax open files            20000                40000                files     \n';
    expect(softLimit(limits)).toBe(20000);
    expect(softLimit(limits.replace('20000 ', 'unlimited '))).toBeNull();
    expect(softLimit('')).toBeNull();
  });

  it('names the kind of a descriptor from its link', () => {
    const sockets = new Map([['77', 'udp']]);
    expect(descriptorKind('socket:[77]', sockets)).toBe('socket/udp');
    expect(descriptorKind('socket:[78]', sockets)).toBe('socket/other');
    expect(descriptorKind('pipe:[12]')).toBe('pipe');
    expect(descriptorKind('anon_inode:[eventpoll]')).toBe('eventpoll');
    expect(descriptorKind('anon_inode:[eventfd]')).toBe('eventfd');
    expect(descriptorKind('/dev/null')).toBe('file');
  });

  it.runIf(process.platform === 'linux')('counts this process’s real sockets by protocol, a listening TCP socket apart', async () => {
    const before = descriptorKinds()!;
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => udp.close(() => resolve())), () => new Promise((resolve) => server.close(() => resolve())));
    const after = descriptorKinds()!;
    expect(after.kinds.get('socket/udp') ?? 0).toBe((before.kinds.get('socket/udp') ?? 0) + 1);
    expect(after.kinds.get('socket/tcp-listen') ?? 0).toBe((before.kinds.get('socket/tcp-listen') ?? 0) + 1);
    expect(after.total).toBe(countDescriptors()!.total);
    expect(after.limit).toBeGreaterThan(0);
  });
});

describe('bench descriptor budget', () => {
  it.runIf(process.platform === 'linux')('stops work with what is open once the reserve is reached, and lets it finish otherwise', async () => {
    // A reserve of the whole limit is always reached: the work never settles, the budget ends it.
    await expect(new DescriptorBudget(1, 0).during(new Promise(() => undefined), 'testing')).rejects.toThrow(/^out of file descriptors while testing: [\d,]+ of [\d,]+ open \(.*socket\//);
    await expect(new DescriptorBudget(0, 0).during(Promise.resolve(5), 'testing')).resolves.toBe(5);
  });
});

describe('bench UDP-only filter', () => {
  const signal = (line: string): unknown => ({ type: 'candidate', candidate: { candidate: line, sdpMLineIndex: 0, sdpMid: '0' } });

  it('drops TCP candidates and keeps UDP ones, offers and answers', () => {
    expect(isTcpCandidate(signal('candidate:2894478417 1 tcp 1518280447 127.0.0.1 39873 typ host tcptype passive generation 0'))).toBe(true);
    expect(isTcpCandidate(signal('candidate:3581734913 1 TCP 1518214911 fd00::2 9 typ host tcptype active generation 0'))).toBe(true);
    expect(isTcpCandidate(signal('candidate:1234567890 1 udp 2122260223 127.0.0.1 51234 typ host generation 0'))).toBe(false);
    expect(isTcpCandidate({ type: 'offer', sdp: 'v=0 … tcp …' })).toBe(false);
    expect(isTcpCandidate({ type: 'candidate', candidate: null })).toBe(false);
    expect(isTcpCandidate(null)).toBe(false);
  });
});
