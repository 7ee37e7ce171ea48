import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the server as several nodes sharing real PostgreSQL and Redis
 * (started by the tests on free ports in temporary directories), and Chromium users on
 * different nodes. One file at a time: each starts its own databases and nodes, and the
 * machine has 2 cores.
 */
export default defineConfig({
  test: {
    name: 'cluster',
    include: ['tests/cluster/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/helpers/build-app.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
