/** How the PostgreSQL stores name a database failure (signaling/postgres.ts). */
import { describe, expect, it } from 'vitest';
import { StorageFullError } from '../../../signaling/errors.js';
import { isConnectionFailure, rethrowDiskFull } from '../../../signaling/postgres.js';

const pgError = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code });

describe('PostgreSQL failures', () => {
  it('a disk_full (SQLSTATE 53100) becomes StorageFullError for the area written, its cause kept', () => {
    const cause = pgError('53100', 'could not extend file');
    const thrown = (() => {
      try {
        return rethrowDiskFull('files')(cause);
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(StorageFullError);
    expect(thrown).toMatchObject({ code: 'storage-full', area: 'files', reason: 'disk', cause });
    expect(() => rethrowDiskFull('entries')(cause)).toThrow(expect.objectContaining({ area: 'entries', reason: 'disk' }) as Error);
  });

  it('anything else is rethrown as it was', () => {
    const other = pgError('23505', 'duplicate key');
    expect(() => rethrowDiskFull('files')(other)).toThrow(other);
    expect(() => rethrowDiskFull('files')('not an error')).toThrow('not an error');
  });

  it('tells a connection failure from a failed statement', () => {
    expect(isConnectionFailure(pgError('57P01'))).toBe(true);
    expect(isConnectionFailure(pgError('ECONNREFUSED'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(pgError('53100'))).toBe(false);
    expect(isConnectionFailure(pgError('23505'))).toBe(false);
    expect(isConnectionFailure('down')).toBe(false);
  });
});
