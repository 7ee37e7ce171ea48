/** The transport contract (tests/contracts/transport-contract.ts) on the in-memory pair. */
import { describe, it } from 'vitest';
import { DeferredTransport } from '../../../src/net/deferred-transport.js';
import { transportContractCases, type TransportPair } from '../../contracts/transport-contract.js';
import { autoFlush } from '../../helpers/memory-signaling.js';
import { transportPair } from '../../helpers/memory-transport.js';

function memoryPair(): TransportPair {
  const [a, b] = transportPair();
  autoFlush(a);
  autoFlush(b);
  // Opens a macrotask later, as a real pipe would.
  setTimeout(() => a.open(), 0);
  return { a, b, dispose: async () => a.close() };
}

describe('transport contract: memory pair', () => {
  for (const c of transportContractCases) {
    it(c.name, async () => {
      const pair = memoryPair();
      try {
        await c.run(pair);
      } finally {
        await pair.dispose();
      }
    });
  }
});

describe('transport contract: deferred transport over the memory pair', () => {
  for (const c of transportContractCases) {
    it(c.name, async () => {
      const inner = memoryPair();
      // Each end loads its real transport later, as the app loads WebRTC code on first use.
      const load = (t: typeof inner.a) => () => new Promise<never>((resolve) => setTimeout(() => resolve(Object.assign(t, { signal: () => undefined }) as never), 1));
      const a = new DeferredTransport(load(inner.a)).start();
      const b = new DeferredTransport(load(inner.b)).start();
      const pair = { a, b, dispose: async () => a.close() };
      try {
        await c.run(pair);
      } finally {
        await pair.dispose();
      }
    });
  }
});
