/**
 * Starts the real Parley server in-process on port 0, serving the built app from `dist/`,
 * with its own temporary data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParleyServer, type ParleyServer, type ParleyServerOptions } from '../../signaling/server.js';
import { createSilentLogger } from '../../signaling/logger.js';
import { UNLIMITED_ADDRESS_RATES } from './signaling-server.js';

export interface AppServer {
  readonly server: ParleyServer;
  readonly url: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startAppServer(init: ParleyServerOptions = {}): Promise<AppServer> {
  const dataDir = init.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'parley-e2e-')));
  const server = await createParleyServer({ port: 0, host: '127.0.0.1', stunPort: 0, ...UNLIMITED_ADDRESS_RATES, staticDir: 'dist', logger: createSilentLogger(), ...init, dataDir });
  return {
    server,
    url: `http://localhost:${server.port}`,
    dataDir,
    async close() {
      await server.close();
      if (!init.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
