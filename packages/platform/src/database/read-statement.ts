import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * How the plain reads of read-only.ts reach Postgres: as prepared statements (parsed and planned
 * once per connection) on a connection of the ORM's pool, or inside a transaction on the
 * transaction's own connection, so a read sees the transaction's writes. Each statement passes the
 * ORM's `onQuery` hook and appears in its query log like any other.
 *
 * (Sending a request's statements of one tick together as one multi-statement query was tried:
 * a chart's thirty statements in two round trips, and no measurable change in its latency or CPU,
 * so statements go one by one.)
 */

type Row = Record<string, unknown>;

interface QueryResult {
  rows: Row[];
}
interface PooledClient {
  query(query: { text: string; values: unknown[]; name: string }): Promise<QueryResult>;
}
interface KnexClient {
  acquireConnection(): Promise<PooledClient>;
  releaseConnection(connection: PooledClient): Promise<unknown>;
}
interface SqlConnection {
  getKnex(): { client: KnexClient };
  executeQuery<T>(query: string, run: () => Promise<T>, context?: object): Promise<T>;
}

/**
 * Runs one read statement (`$1`-style placeholders, values as pg takes them) and resolves with its rows.
 */
export function readStatement(em: EntityManager, sql: string, values: unknown[]): Promise<Row[]> {
  const text = (em.config.get('onQuery') as (sql: string, params: unknown[]) => string)(sql, values);
  const connection = em.getConnection() as unknown as SqlConnection;
  // a knex transaction's client hands out the transaction's own connection
  const transaction = em.getContext().getTransactionContext() as { client: KnexClient } | undefined;
  return connection.executeQuery(text, () => runPrepared((transaction ?? connection.getKnex()).client, text, values), { params: values });
}

async function runPrepared(client: KnexClient, text: string, values: unknown[]): Promise<Row[]> {
  const pooled = await client.acquireConnection();
  try {
    return (await pooled.query({ text, values, name: statementName(text) })).rows;
  } finally {
    await client.releaseConnection(pooled);
  }
}

/** Prepared statement names by SQL text: a shape is parsed and planned once per connection. */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `caregraph_read_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}
