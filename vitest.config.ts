import { defineConfig } from 'vitest/config';

/**
 * Three projects so failures say which layer broke:
 * - unit: pure logic and Node-side modules with real `ws`/SQLite on port 0;
 * - integration: several real parts together in Node (servers, wrtc peers);
 * - e2e: real Chromium driving the built app against the real server. These run one
 *   file at a time: each file launches its own browser and the machine has 2 cores.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/helpers/build-app.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
