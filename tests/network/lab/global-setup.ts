/**
 * Vitest global setup of the network lab: refuse to run without root and the tools, make
 * sure no other lab run is active, remove what a crashed run left, and build the app once.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import buildApp from '../../helpers/build-app.js';
import { CHROMIUM_PATH } from '../../helpers/browser.js';
import { preflight } from './shell.js';
import { removeLabNamespaces } from './topology.js';

/** One lab per machine: the namespace names are fixed, so two runs would tear each other down. */
const LOCK = '/run/parley-network-lab.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function takeLock(): void {
  if (existsSync(LOCK)) {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new Error(`another network lab run (pid ${pid}) is active; the lab uses fixed namespace names, so wait for it to finish`);
    }
  }
  writeFileSync(LOCK, `${process.pid}\n`);
}

export default async function setup(): Promise<() => Promise<void>> {
  preflight();
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  takeLock();
  await removeLabNamespaces();
  // Temporary directories of a crashed run (server data, coturn config, browser wrappers).
  for (const name of readdirSync(tmpdir())) if (name.startsWith('plab-')) rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
  await buildApp();
  return async () => {
    await removeLabNamespaces();
    rmSync(LOCK, { force: true });
  };
}
