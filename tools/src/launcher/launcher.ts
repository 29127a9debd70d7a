import { existsSync, mkdirSync } from 'node:fs';
import { loadPlatformKeys } from './keys';
import path from 'node:path';
import { embeddedDatabaseUrl, ensureDatabase, type Logger } from '@caregraph/platform';
import type { DemoSeedResult } from '@caregraph/identity';
import { seedDemoAccountsIfMissing } from '../demo/accounts';
import { seedDemoConversation } from '../demo/conversation';
import { seedDemoIfEmpty } from '../demo/seed';
import { connectableHost, REPO_ROOT, SERVICE_NAMES, type LauncherConfig, type ServiceName } from './config';
import { ManagedProcess } from './managed-process';
import { assertPortsFree, isOwnStaleCluster } from './ports';
import { LauncherStateFile } from './state';

/** Thrown inside start() when a signal arrived while starting: not an error. */
class ShutdownRequested extends Error {}

export interface LauncherUrls {
  graphql: string;
  web: string;
  ready: string;
  /** Demo sign-ins, when demo data is loaded. */
  demo?: DemoSeedResult;
}

/** Where the compiled services live; `npm start` builds them first. */
export function serviceModules(): Record<ServiceName | 'gateway' | 'postgres', string> {
  return {
    patients: path.join(REPO_ROOT, 'subgraphs/patients/dist/main.js'),
    clinical: path.join(REPO_ROOT, 'subgraphs/clinical/dist/main.js'),
    billing: path.join(REPO_ROOT, 'subgraphs/billing/dist/main.js'),
    messaging: path.join(REPO_ROOT, 'subgraphs/messaging/dist/main.js'),
    identity: path.join(REPO_ROOT, 'subgraphs/identity/dist/main.js'),
    gateway: path.join(REPO_ROOT, 'gateway/dist/main.js'),
    postgres: path.join(__dirname, 'database-process.js'),
  };
}

/**
 * What `npm start` runs: the embedded database (unless DATABASE_URL), the four subgraphs, the
 * gateway, the demo seed; then it keeps them running (restarting a crashed one) until told to
 * stop, and stops them in reverse order.
 */
export class Launcher {
  private database?: ManagedProcess;
  private subgraphs: ManagedProcess[] = [];
  private gateway?: ManagedProcess;
  private shutdownPromise?: Promise<void>;
  private readonly state: LauncherStateFile;
  private readonly modules = serviceModules();

  constructor(
    private readonly config: LauncherConfig,
    private readonly logger: Logger,
    private readonly output: (service: string, line: string) => void,
  ) {
    this.state = new LauncherStateFile(config.dataDir);
  }

  /** True once shutdown() was called (a signal, or start-up failed). */
  get stopping(): boolean {
    return this.shutdownPromise !== undefined;
  }

  private checkpoint(): void {
    if (this.stopping) throw new ShutdownRequested('shutting down');
  }

  private managed(name: string, env: NodeJS.ProcessEnv): ManagedProcess {
    const modulePath = this.modules[name as keyof typeof this.modules];
    return new ManagedProcess({
      name,
      modulePath,
      env: { ...process.env, LOG_LEVEL: this.config.logLevel, ...env },
      logger: this.logger,
      output: this.output,
      stopTimeoutMs: this.config.shutdownTimeoutMs + 5000,
      onPid: (pid) => this.state.recordChild(name, pid, modulePath),
    });
  }

  /** Starts everything; resolves with the URLs to show. Rejects with a message meant for the user. */
  async start(): Promise<LauncherUrls> {
    const { config, logger } = this;
    const missing = Object.values(this.modules).filter((file) => !existsSync(file));
    if (missing.length) throw new Error(`Not built: ${missing.map((f) => path.relative(REPO_ROOT, f)).join(', ')}. Run \`npm run build\` (npm start does).`);

    mkdirSync(config.dataDir, { recursive: true });
    await this.state.takeOver(logger, config.shutdownTimeoutMs + 5000);
    this.checkpoint();

    const pgDataDir = path.join(config.dataDir, 'postgres');
    const ports = [
      ...SERVICE_NAMES.map((name) => ({ variable: `${name.toUpperCase()}_PORT`, port: config.ports[name] })),
      { variable: 'GATEWAY_PORT', port: config.gatewayPort },
    ];
    if (!config.databaseUrl && !isOwnStaleCluster(pgDataDir, config.embeddedPgPort)) ports.push({ variable: 'EMBEDDED_PG_PORT', port: config.embeddedPgPort });
    await assertPortsFree(ports, config.host);
    this.checkpoint();

    let databaseUrl = config.databaseUrl;
    if (databaseUrl) {
      // create it when we may; a managed server may not let us look, and then it must exist already
      await ensureDatabase(databaseUrl).catch((error: unknown) =>
        logger.debug({ err: { message: error instanceof Error ? error.message : String(error) } }, 'could not check that the DATABASE_URL database exists'),
      );
      this.checkpoint();
    } else {
      logger.info({ dataDir: pgDataDir, port: config.embeddedPgPort }, 'starting the embedded PostgreSQL cluster');
      this.database = this.managed('postgres', { CAREGRAPH_PG_DATA_DIR: pgDataDir, EMBEDDED_PG_PORT: String(config.embeddedPgPort) });
      await this.database.start();
      this.checkpoint();
      databaseUrl = embeddedDatabaseUrl(config.embeddedPgPort);
      await ensureDatabase(databaseUrl);
      this.checkpoint();
    }

    const keys = await loadPlatformKeys(config.dataDir);
    const host = connectableHost(config.host);
    const subgraphUrl = (name: ServiceName) => `http://${host}:${config.ports[name]}/graphql`;
    this.subgraphs = SERVICE_NAMES.map((name) =>
      this.managed(name, {
        DATABASE_URL: databaseUrl,
        [`${name.toUpperCase()}_PORT`]: String(config.ports[name]),
        HOST: config.host,
        GATEWAY_ASSERTION_PUBLIC_KEY: keys.gatewayAssertion.publicKeyPem,
        // the access policy every subgraph asks (the patients service answers it)
        PATIENTS_URL: subgraphUrl('patients'),
        ...(name === 'identity' ? { AUTH_SIGNING_KEY: keys.accessToken.privateKeyPem, AUTH_PUBLIC_KEY: keys.accessToken.publicKeyPem } : {}),
      }),
    );
    // in parallel: each runs its own migrations in its own schema
    const results = await Promise.allSettled(this.subgraphs.map((service) => service.start()));
    this.checkpoint();
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
    if (failures.length) throw new Error(failures.join('\n'));

    this.gateway = this.managed('gateway', {
      GATEWAY_PORT: String(config.gatewayPort),
      HOST: config.host,
      GATEWAY_ASSERTION_PRIVATE_KEY: keys.gatewayAssertion.privateKeyPem,
      DATABASE_URL: databaseUrl,
      AUTH_PUBLIC_KEY: keys.accessToken.publicKeyPem,
      PATIENTS_URL: subgraphUrl('patients'),
      CLINICAL_URL: subgraphUrl('clinical'),
      BILLING_URL: subgraphUrl('billing'),
      MESSAGING_URL: subgraphUrl('messaging'),
      IDENTITY_URL: subgraphUrl('identity'),
    });
    await this.gateway.start();
    this.checkpoint();

    const base = `http://${host}:${config.gatewayPort}`;
    let demo: DemoSeedResult | undefined;
    if (config.seedDemo) {
      try {
        // logs its own progress; a no-op when the database already has patients
        await seedDemoIfEmpty({ databaseUrl, logger: logger.child({ service: 'demo' }) });
        demo = await seedDemoAccountsIfMissing({ databaseUrl, logger: logger.child({ service: 'demo' }) });
        // the first chart comments and provider message, written through the gateway like any client's
        if (demo) await seedDemoConversation({ origin: base, accounts: demo.accounts });
      } catch (error) {
        this.checkpoint(); // stopped while seeding: not an error worth reporting
        // the graph works without demo data: report and keep serving
        logger.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'loading the demo data failed');
      }
      this.checkpoint();
    }

    return { graphql: `${base}/graphql`, web: `${base}/`, ready: `${base}/ready`, demo };
  }

  /** Gateway first (no new requests), then the subgraphs, then the database. Idempotent. */
  shutdown(reason: string): Promise<void> {
    return (this.shutdownPromise ??= (async () => {
      this.logger.info({ reason }, 'stopping caregraph');
      await this.gateway?.stop();
      await Promise.all(this.subgraphs.map((service) => service.stop()));
      await this.database?.stop();
      this.state.remove();
      this.logger.info('stopped');
    })());
  }
}

export { ShutdownRequested };
