import { connectableHost, loadLauncherConfig, type LauncherConfig } from './launcher/config';
import { Launcher, ShutdownRequested, type LauncherUrls } from './launcher/launcher';
import { createLineWriter } from './launcher/log-format';
import { createLauncherLogger } from './launcher/logger';

function banner(config: LauncherConfig, urls: LauncherUrls): string {
  const database = config.databaseUrl
    ? 'the PostgreSQL server in DATABASE_URL'
    : `embedded PostgreSQL on port ${config.embeddedPgPort}, data in ${config.dataDir}`;
  return [
    '',
    'caregraph is running',
    `  GraphQL API   ${urls.graphql}`,
    `  Web page      ${urls.web}`,
    `  Live updates  ${urls.graphql.replace(/\/graphql$/, '')}/socket.io (Socket.IO; try: node tools/dist/live-demo.js)`,
    `  Status        ${urls.ready}`,
    `  Database      ${database}`,
    '',
    ...demoLines(urls),
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** The demo sign-ins (one password for all), and how to sign in and query with a token. */
function demoLines(urls: LauncherUrls): string[] {
  if (!urls.demo) return [];
  const base = urls.graphql.replace(/\/graphql$/, '');
  const first = urls.demo.accounts[0];
  const query = '{ patients(first: 3) { totalCount edges { node { id birthDate names { family given } } } } }';
  return [
    `Demo accounts (password ${first?.password ?? ''}):`,
    ...urls.demo.accounts.map((account) => `  ${account.email.padEnd(48)} ${account.role.padEnd(11)} ${account.displayName}`),
    `  partner app: client_id ${urls.demo.client.clientId}, secret ${urls.demo.client.clientSecret}`,
    '  patient1 has consented to sharing their record with the second hospital; patient2 has not.',
    '',
    'Sign in, then query with the access token (every request needs one):',
    `  TOKEN=$(curl -s ${base}/auth/login -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify({ email: first?.email, password: first?.password })}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).accessToken')`,
    `  curl -s ${urls.graphql} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify({ query })}'`,
    '',
  ];
}

async function main(): Promise<void> {
  let config: LauncherConfig;
  try {
    config = loadLauncherConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLauncherLogger(config.logFormat, config.logLevel);
  const launcher = new Launcher(config, logger, createLineWriter(config.logFormat));

  const stop = (reason: string, code: number) => {
    launcher.shutdown(reason).then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGHUP', () => stop('SIGHUP', 0));
  // forked by another program (e.g. the bench) that went away: stop too, leave nothing behind
  if (process.send) process.once('disconnect', () => stop('parent process exited', 0));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: { type: error.name, message: error.message, stack: error.stack } }, 'launcher crashed');
    stop('launcher crashed', 1);
  });

  try {
    const urls = await launcher.start();
    if (config.logFormat === 'json') logger.info({ graphql: urls.graphql, web: urls.web, host: connectableHost(config.host) }, 'caregraph is running');
    else process.stdout.write(banner(config, urls));
    // a parent program (the bench) waits for this: everything is up and the demo is seeded
    process.send?.({ type: 'running', urls });
  } catch (error) {
    // a signal arrived while starting: whatever failed because of it is no news; stop() exits
    if (error instanceof ShutdownRequested || launcher.stopping) return;
    logger.error(error instanceof Error ? error.message : String(error));
    stop('start-up failed', 1);
  }
}

void main();
