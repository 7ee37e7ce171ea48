/**
 * A headless peer's profile directory (default `~/.parley`): its database, its key file and
 * a lock. The directory is made with mode 0700 and every file in it is private to the user:
 * it holds the account's private keys and every conversation secret.
 *
 * One process uses a profile at a time (the lock): two processes writing one device's logs
 * without seeing each other's writes would fork its hash chain and keep two diverging copies
 * of each document. Commands that find the profile busy talk to the process holding it
 * instead (control.ts).
 */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const defaultProfileDir = (): string => process.env.PARLEY_PROFILE ?? path.join(homedir(), '.parley');

export type ProfileErrorCode = 'profile-busy' | 'profile-unusable';

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly code: ProfileErrorCode,
    message: string,
    /** For 'profile-busy': the process holding the profile. */
    readonly holder: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Creates the directory if needed, private to this user (0700). */
export function ensureProfileDir(dir: string): string {
  const resolved = path.resolve(dir);
  try {
    mkdirSync(resolved, { recursive: true, mode: 0o700 });
    chmodSync(resolved, 0o700);
  } catch (cause) {
    throw new ProfileError('profile-unusable', `cannot use ${resolved} as a profile directory`, null, { cause });
  }
  return resolved;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Holds `dir/lock` (exclusive create, our pid inside). A lock left by a process that no
 * longer runs is taken over. Throws ProfileError('profile-busy') when a live process holds it.
 */
export class ProfileLock {
  private held = false;
  readonly path: string;

  constructor(dir: string) {
    this.path = path.join(dir, 'lock');
  }

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ProfileError('profile-unusable', `cannot lock ${this.path}`, null, { cause: error });
      }
      const holder = this.holder();
      if (holder !== null && holder !== process.pid && isAlive(holder)) {
        throw new ProfileError('profile-busy', `the profile is in use by process ${holder}`, holder);
      }
      // A stale lock (its process is gone): take it over.
      rmSync(this.path, { force: true });
    }
    throw new ProfileError('profile-busy', 'the profile lock keeps changing hands', this.holder());
  }

  /** The pid written in the lock file, if any. */
  holder(): number | null {
    try {
      const pid = Number(readFileSync(this.path, 'utf8').trim());
      return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.holder() === process.pid) rmSync(this.path, { force: true });
  }
}
