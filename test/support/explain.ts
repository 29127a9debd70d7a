import type { Client } from 'pg';
import type { Statement } from './statements';

/** The plan nodes of an EXPLAIN (FORMAT JSON) result, depth first. */
const planNodes = (plan: any): any[] => [plan, ...(plan.Plans ?? []).flatMap(planNodes)];

/** `?` placeholders (as MikroORM logs them) to `$n` (as pg takes them). */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?(?!\?)/g, () => `$${++n}`);
};

/**
 * The plan of a captured statement with sequential scans and sorts priced out (`enable_seqscan`,
 * `enable_sort` off): where an index can serve the filter there is no Seq Scan in it, and where an
 * index can give the order, no Sort. A statement without such an index still shows them, however
 * small the tables (see test/chart-indexes.test.ts).
 */
export function planWithoutScansOrSorts(sql: Client, statement: Statement): Promise<any[]> {
  return planWith(sql, statement, { enable_seqscan: 'off', enable_sort: 'off' });
}

/** The plan of a captured statement under the given planner settings (set for that one transaction). */
export async function planWith(sql: Client, statement: Statement, settings: Record<string, string>): Promise<any[]> {
  await sql.query('begin');
  try {
    for (const [name, value] of Object.entries(settings)) await sql.query(`set local ${name} = ${value}`);
    const { rows } = await sql.query(`explain (format json) ${numbered(statement.sql)}`, statement.params as unknown[]);
    return planNodes(rows[0]['QUERY PLAN'][0].Plan);
  } finally {
    await sql.query('rollback');
  }
}

/** The relations a plan reads with a sequential scan. */
export const seqScansOf = (nodes: readonly any[]): string[] => nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);
