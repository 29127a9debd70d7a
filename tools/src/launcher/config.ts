import path from 'node:path';
import { bool, DEFAULT_PORTS, loadConfig, port, str } from '@caregraph/platform';

/** The repository root (same from tools/src/launcher and tools/dist/launcher). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export const SERVICE_NAMES = ['patients', 'clinical', 'billing', 'messaging', 'identity'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const launcherSpec = {
  DATA_DIR: str({ default: path.join(REPO_ROOT, '.data'), desc: 'where the embedded PostgreSQL cluster and launcher state live' }),
  GATEWAY_PORT: port({ default: DEFAULT_PORTS.gateway, desc: 'gateway HTTP port' }),
  PATIENTS_PORT: port({ default: DEFAULT_PORTS.patients, desc: 'patients subgraph HTTP port' }),
  CLINICAL_PORT: port({ default: DEFAULT_PORTS.clinical, desc: 'clinical subgraph HTTP port' }),
  BILLING_PORT: port({ default: DEFAULT_PORTS.billing, desc: 'billing subgraph HTTP port' }),
  MESSAGING_PORT: port({ default: DEFAULT_PORTS.messaging, desc: 'messaging subgraph HTTP port' }),
  IDENTITY_PORT: port({ default: DEFAULT_PORTS.identity, desc: 'identity service HTTP port (sign-in, accounts)' }),
  LOG_FORMAT: str({ choices: ['pretty', 'json'], default: 'pretty', desc: 'pretty: compact lines per service; json: the raw pino lines' }),
  SEED_DEMO: bool({ default: true, desc: 'load the demo patients into an empty database on start' }),
};

export interface LauncherConfig {
  dataDir: string;
  /** DATABASE_URL when set; then no embedded cluster is started. */
  databaseUrl?: string;
  embeddedPgPort: number;
  host: string;
  logLevel: string;
  logFormat: 'pretty' | 'json';
  seedDemo: boolean;
  shutdownTimeoutMs: number;
  gatewayPort: number;
  ports: Record<ServiceName, number>;
}

/** Validated launcher settings (a bad value stops start-up with a message naming the variable). */
export function loadLauncherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const config = loadConfig(launcherSpec, env);
  return {
    dataDir: path.resolve(config.DATA_DIR),
    databaseUrl: config.DATABASE_URL,
    embeddedPgPort: config.EMBEDDED_PG_PORT,
    host: config.HOST,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT as 'pretty' | 'json',
    seedDemo: config.SEED_DEMO,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    gatewayPort: config.GATEWAY_PORT,
    ports: {
      patients: config.PATIENTS_PORT,
      clinical: config.CLINICAL_PORT,
      billing: config.BILLING_PORT,
      messaging: config.MESSAGING_PORT,
      identity: config.IDENTITY_PORT,
    },
  };
}

/** A host the launcher and the gateway can connect to (a wildcard bind is reached on loopback). */
export function connectableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
