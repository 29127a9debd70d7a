import type { MikroORM } from '@mikro-orm/postgresql';

export interface Statement {
  /** With `?` placeholders, as MikroORM sends it. */
  sql: string;
  params: readonly unknown[];
}

/**
 * Records the SQL statements the given subgraphs' ORMs send while `work` runs (MikroORM's
 * `onQuery` hook sees every statement, entity queries and raw SQL alike, as it is sent). `work`
 * gets the list as it grows. Instrumentation of our own code path against the real database:
 * nothing is replaced.
 */
export async function captureStatements<T>(orms: readonly MikroORM[], work: (sent: readonly Statement[]) => Promise<T>): Promise<{ result: T; statements: Statement[] }> {
  const statements: Statement[] = [];
  const previous = orms.map((orm) => orm.config.get('onQuery'));
  orms.forEach((orm, index) =>
    orm.config.set('onQuery', (sql: string, params: unknown[]) => {
      statements.push({ sql, params: [...(params ?? [])] });
      return previous[index](sql, params);
    }));
  try {
    return { result: await work(statements), statements };
  } finally {
    orms.forEach((orm, index) => orm.config.set('onQuery', previous[index]));
  }
}

/** The SQL text of each statement `work` sends (see captureStatements). */
export async function countStatements<T>(orms: readonly MikroORM[], work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const { result, statements } = await captureStatements(orms, work);
  return { result, statements: statements.map((statement) => statement.sql) };
}
