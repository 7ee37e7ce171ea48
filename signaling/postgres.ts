/**
 * The shared store when `DATABASE_URL` is set (docs/architecture.md §6, scale-out): a
 * PostgreSQL connection pool with versioned migrations, transactions, latency metrics and
 * one error rule. Every failure to reach the server (refused, reset, cut by a restart,
 * timed out) becomes a {@link StoreUnavailableError}, which HTTP routes answer with 503;
 * anything else is a bug and stays a 500.
 *
 * Durability: PostgreSQL's default `synchronous_commit = on` is kept, so a COMMIT that
 * returned is in the WAL on disk; a route answers only after its COMMIT returned, so
 * acknowledged means committed. Integers (sequence numbers, ms timestamps) are `bigint`
 * columns parsed to JS numbers: all of them stay below 2^53.
 */
import pg from 'pg';
import { StorageFullError, StoreUnavailableError } from './errors.js';
import { LatencyHistogram } from './latency.js';
import type { Logger } from './logger.js';

/** What a store runs statements on: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PostgresDatabase extends Queryable {
  /** Runs `fn` in one transaction (READ COMMITTED); commits when it resolves, else rolls back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Applies `steps` not yet applied under `scope`, one node at a time. */
  migrate(steps: readonly string[], scope: string): Promise<void>;
  /** A round trip (`SELECT 1`); rejects with {@link StoreUnavailableError} when down. */
  ping(): Promise<void>;
  /** Query latency and errors, for `/metrics`. */
  readonly latency: LatencyHistogram;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
}

export interface PostgresOptions {
  /** `postgres://user:pass@host:port/db`; libpq-style query parameters are honoured by `pg`. */
  readonly url: string;
  /** Connections this node keeps at most. */
  readonly maxConnections?: number;
  /** Waiting for a connection (or for a down server to answer) fails after this long. */
  readonly connectTimeoutMs?: number;
  /** A statement running longer than this is cancelled by the server. */
  readonly statementTimeoutMs?: number;
  readonly logger: Logger;
}

/** int8 → number (every bigint Parley stores is below 2^53); other types as `pg` parses them. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Node socket errors that mean "the server is not there" rather than "the query is wrong". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True for failures of the connection rather than of the statement: SQLSTATE class 08
 * (connection exception), 57P01–57P03 (shutdown, crash, starting up), 53300 (too many
 * connections), socket errors, and the messages `pg` uses for a cut connection or a pool
 * wait that timed out.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code) || NETWORK_CODES.has(code))) return true;
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Connection ended|not queryable/i.test(err.message);
}

/** PostgreSQL's SQLSTATE for disk_full. */
const DISK_FULL = '53100';

/**
 * For a write's `.catch`: rethrows its error, disk_full as {@link StorageFullError} for
 * `area`. The transaction rolled back, so nothing of the write is stored.
 */
export function rethrowDiskFull(area: StorageFullError['area']): (err: unknown) => never {
  return (err) => {
    if ((err as { code?: unknown }).code === DISK_FULL) throw new StorageFullError(area, 'disk', { cause: err });
    throw err;
  };
}

const unavailable = (err: unknown): unknown => (isConnectionFailure(err) ? new StoreUnavailableError('postgres', { cause: err }) : err);

export function openPostgres({ url, maxConnections = 10, connectTimeoutMs = 3000, statementTimeoutMs = 15_000, logger }: PostgresOptions): PostgresDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: statementTimeoutMs,
    application_name: 'parley',
    types,
  });
  // An idle pooled client whose server went away emits 'error' on the pool; unhandled, it
  // would kill the process. The pool drops that client by itself; the next query reconnects.
  pool.on('error', (err) => logger.warn('postgres idle connection lost', { code: String((err as { code?: unknown }).code ?? err.name) }));
  const latency = new LatencyHistogram('parley_postgres_query', 'PostgreSQL statement and transaction latency.');
  let closing: Promise<void> | undefined;

  // After a database restart, pooled connections are dead until used once. One retry on a
  // fresh connection hides that from callers. It is safe for single statements: every one
  // Parley runs outside a transaction is idempotent (upserts, deletes, reads, conditional
  // claims), and a statement on a connection to a server that is gone never ran.
  const query = async <R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>> => {
    const once = (): Promise<pg.QueryResult<R>> => latency.time(() => pool.query<R>(text, values as unknown[] | undefined));
    try {
      return await once().catch((err: unknown) => {
        if (!isConnectionFailure(err)) throw err;
        return once();
      });
    } catch (err) {
      throw unavailable(err);
    }
  };

  /** A pooled client with BEGIN done; a dead pooled connection is replaced once (nothing ran yet). */
  const begin = async (): Promise<pg.PoolClient> => {
    for (let attempt = 0; ; attempt++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        return client;
      } catch (err) {
        client.release(err as Error);
        if (attempt > 0 || !isConnectionFailure(err)) throw err;
      }
    }
  };

  const db: PostgresDatabase = {
    query,
    latency,

    async transaction(fn) {
      const start = performance.now();
      let client: pg.PoolClient;
      try {
        client = await begin();
      } catch (err) {
        latency.errors++;
        throw unavailable(err);
      }
      let broken: Error | undefined;
      try {
        const result = await fn({ query: (text, values) => client.query(text, values as unknown[] | undefined) });
        await client.query('COMMIT');
        latency.observe(performance.now() - start);
        return result;
      } catch (err) {
        latency.errors++;
        if (isConnectionFailure(err)) broken = err as Error;
        else await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
        throw unavailable(err);
      } finally {
        // A client whose connection failed is destroyed rather than handed out again.
        client.release(broken);
      }
    },

    async migrate(steps, scope) {
      await db.transaction(async (tx) => {
        // One migrating node at a time: the others wait here, then find nothing to do.
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('parley.schema_versions'))");
        await tx.query('CREATE TABLE IF NOT EXISTS schema_versions (scope text PRIMARY KEY, version integer NOT NULL)');
        const row = await tx.query<{ version: number }>('SELECT version FROM schema_versions WHERE scope = $1', [scope]);
        const current = row.rows[0]?.version ?? 0;
        if (current >= steps.length) return;
        for (let i = current; i < steps.length; i++) await tx.query(steps[i]!);
        await tx.query(
          'INSERT INTO schema_versions (scope, version) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET version = excluded.version',
          [scope, steps.length],
        );
      });
    },

    async ping() {
      await query('SELECT 1');
    },

    close() {
      closing ??= pool.end().catch(() => undefined);
      return closing;
    },
  };
  return db;
}
