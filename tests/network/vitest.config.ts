import { defineConfig } from 'vitest/config';

/**
 * `npm run test:network`: the network lab (tests/network/lab/topology.ts draws it). Not part of `npm test`:
 * it needs root to build network namespaces. One case at a time: each builds its own lab
 * under the same names and runs two Chromiums.
 */
export default defineConfig({
  test: {
    name: 'network',
    include: ['tests/network/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/network/lab/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
