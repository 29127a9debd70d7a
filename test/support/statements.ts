import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Counts the SQL statements the given subgraphs' ORMs send while `work` runs (MikroORM's
 * `onQuery` hook sees every statement, entity queries and raw SQL alike). Instrumentation of our
 * own code path against the real database: nothing is replaced.
 */
export async function countStatements<T>(orms: readonly MikroORM[], work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const previous = orms.map((orm) => orm.config.get('onQuery'));
  orms.forEach((orm, index) =>
    orm.config.set('onQuery', (sql: string, params: unknown[]) => {
      statements.push(sql);
      return previous[index](sql, params);
    }));
  try {
    return { result: await work(), statements };
  } finally {
    orms.forEach((orm, index) => orm.config.set('onQuery', previous[index]));
  }
}
