import { MikroORM, defineConfig, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Migration } from '@mikro-orm/migrations';
import type { Logger } from 'pino';

export type { EntityManager } from '@mikro-orm/postgresql';

/** A committed migration, listed explicitly so no folder scanning happens at run time. */
export interface MigrationEntry {
  name: string;
  class: new (...args: ConstructorParameters<typeof Migration>) => Migration;
}

/** What a subgraph owns in the database: one Postgres schema, its entities and its migrations. */
export interface DatabaseDefinition {
  /** Postgres schema this subgraph owns; nobody else reads or writes it. */
  schema: string;
  entities: Options['entities'];
  migrations: MigrationEntry[];
}

export interface DatabaseOptions {
  databaseUrl: string;
  poolMax?: number;
  logger: Logger;
}

export function ormConfig(definition: DatabaseDefinition, options: DatabaseOptions): Options {
  return defineConfig({
    clientUrl: options.databaseUrl,
    schema: definition.schema,
    entities: definition.entities,
    extensions: [Migrator],
    discovery: { requireEntitiesArray: true, disableDynamicFileAccess: true },
    migrations: {
      tableName: `${definition.schema}.mikro_orm_migrations`,
      migrationsList: definition.migrations,
      transactional: true,
      allOrNothing: true,
      silent: true,
      snapshot: false,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Every request and job works on its own fork (em.fork()); the global context is a bug.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    // Query logging would print parameters, i.e. PHI. Keep it off; use pg_stat_statements instead.
    debug: false,
    logger: (message: string) => options.logger.debug({ orm: true }, message.slice(0, 200)),
  });
}

/** Connects and brings the subgraph's schema up to date by running its committed migrations. */
export async function openDatabase(definition: DatabaseDefinition, options: DatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(definition, options));
  const executed = await orm.getMigrator().up();
  if (executed.length) options.logger.info({ schema: definition.schema, migrations: executed.map((m) => m.name) }, 'migrations applied');
  return orm;
}

/** `select 1` on a pooled connection: what /ready reports. */
export async function isDatabaseReachable(orm: MikroORM): Promise<boolean> {
  try {
    await (orm.em.fork() as EntityManager).getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}

export { MikroORM };
