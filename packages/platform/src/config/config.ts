import { cleanEnv, host, num, port, str, url, type CleanedEnv, type ValidatorSpec } from 'envalid';

/** The embedded cluster's fixed local address; `npm start` starts it unless DATABASE_URL is set. */
export const EMBEDDED_DEFAULTS = {
  port: 54329,
  user: 'postgres',
  password: 'caregraph-local',
  database: 'caregraph',
} as const;

export const embeddedDatabaseUrl = (port: number = EMBEDDED_DEFAULTS.port, database: string = EMBEDDED_DEFAULTS.database) =>
  `postgres://${EMBEDDED_DEFAULTS.user}:${EMBEDDED_DEFAULTS.password}@127.0.0.1:${port}/${database}`;

/** Settings every caregraph process shares. */
export const commonSpec = {
  NODE_ENV: str({ choices: ['development', 'production', 'test'], default: 'development', desc: 'production turns off introspection and detailed errors' }),
  LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', desc: 'pino log level' }),
  DATABASE_URL: url({ default: undefined, desc: 'PostgreSQL server; unset = the embedded cluster started by npm start' }),
  EMBEDDED_PG_PORT: port({ default: EMBEDDED_DEFAULTS.port, desc: 'port of the embedded PostgreSQL cluster' }),
  DATABASE_POOL_MAX: num({ default: 10, desc: 'connections per service' }),
  HOST: host({ default: '127.0.0.1', desc: 'interface the HTTP servers listen on' }),
  SHUTDOWN_TIMEOUT_MS: num({ default: 10_000, desc: 'how long in-flight requests may run after SIGTERM' }),
};

export type CommonConfig = CleanedEnv<{ [K in keyof typeof commonSpec]: (typeof commonSpec)[K] }>;

/**
 * Reads and validates configuration from the environment once. A bad value stops the process
 * with a message naming the variable (envalid), never a half-configured service.
 */
export function loadConfig<S extends Record<string, ValidatorSpec<unknown>>>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
): CleanedEnv<typeof commonSpec & S> {
  return cleanEnv(env, { ...commonSpec, ...spec }, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([name, err]) => `${name}: ${(err as Error).message}`);
      if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
    },
  }) as CleanedEnv<typeof commonSpec & S>;
}

/** The database the process should use: DATABASE_URL, or the embedded cluster. */
export function resolveDatabaseUrl(config: { DATABASE_URL?: string; EMBEDDED_PG_PORT: number }): string {
  return config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT);
}

export { port, str, num, url, host, bool } from 'envalid';
