import { Client } from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Anything the audit module can run SQL on:
 * - a MikroORM `EntityManager` (`@mikro-orm/postgresql`): statements run in the em's current
 *   transaction when there is one, so a service can write its audit row atomically with its data;
 * - a `pg` `Client`, `PoolClient` or `Pool` (anything with `query(text, values)` → `{ rows }`).
 */
export type AuditExecutor = EntityManager | PgQueryable;

/** The part of node-postgres' Client / PoolClient / Pool the audit module uses. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** A connection string, or an executor the caller owns (and closes). */
export type AuditTarget = string | AuditExecutor;

/** Internal: one way to run `$1`-style parameterised SQL whatever the executor is. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export function isEntityManager(executor: AuditExecutor): executor is EntityManager {
  return typeof (executor as EntityManager).getConnection === 'function' && typeof (executor as EntityManager).execute === 'function';
}

/**
 * MikroORM formats parameters into the statement itself with `?` placeholders; the audit SQL is
 * written with `$n` (node-postgres). Rewrites `$n` to `?` and orders the values to match (a `$n`
 * used twice gets its value twice). Only values are ever bound, never identifiers.
 */
export function toQuestionMarks(text: string, params: readonly unknown[]): { text: string; params: unknown[] } {
  const ordered: unknown[] = [];
  const rewritten = text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`audit SQL refers to $${n} but has ${params.length} parameter(s)`);
    ordered.push(params[index]);
    return '?';
  });
  return { text: rewritten, params: ordered };
}

export function sqlFor(executor: AuditExecutor): Sql {
  if (isEntityManager(executor)) {
    return {
      async query<R>(text: string, params: readonly unknown[] = []) {
        if (params.length === 0) return (await executor.execute(text, [], 'all')) as R[];
        const q = toQuestionMarks(text, params);
        return (await executor.execute(q.text, q.params, 'all')) as R[];
      },
    };
  }
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await executor.query(text, [...params])).rows as R[];
    },
  };
}

/**
 * Runs `work` inside one transaction on one connection. A connection string opens (and closes) a
 * client of its own; a Pool lends a client; an EntityManager uses `em.transactional` (a savepoint
 * when it is already in a transaction); a Client / PoolClient runs BEGIN/COMMIT on itself, so it
 * must not be in a transaction already.
 */
export async function inTransaction<T>(target: AuditTarget, work: (sql: Sql) => Promise<T>): Promise<T> {
  if (typeof target === 'string') {
    return withClient(target, (client) => inTransaction(client, work));
  }
  if (isEntityManager(target)) {
    return target.transactional((em) => work(sqlFor(em as EntityManager)));
  }
  const pool = target as PgQueryable & { connect?: () => Promise<PgQueryable & { release(error?: Error | boolean): void }>; release?: unknown };
  // A Pool has connect() but no release(); a PoolClient has both; a Client has connect() and no release().
  if (typeof pool.connect === 'function' && typeof pool.release !== 'function' && isPool(target)) {
    const client = await pool.connect();
    let failed: Error | undefined;
    try {
      return await inTransaction(client, work);
    } catch (error) {
      failed = error as Error;
      throw error;
    } finally {
      client.release(failed);
    }
  }
  const sql = sqlFor(target);
  await sql.query('begin');
  try {
    const result = await work(sql);
    await sql.query('commit');
    return result;
  } catch (error) {
    await sql.query('rollback').catch(() => undefined);
    throw error;
  }
}

function isPool(target: AuditExecutor): boolean {
  return 'totalCount' in (target as object) && 'idleCount' in (target as object);
}

/** Runs `work` with a fresh client for `url`, closed afterwards; an executor is used as given. */
export async function withSql<T>(target: AuditTarget, work: (sql: Sql) => Promise<T>): Promise<T> {
  if (typeof target !== 'string') return work(sqlFor(target));
  return withClient(target, (client) => work(sqlFor(client)));
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
