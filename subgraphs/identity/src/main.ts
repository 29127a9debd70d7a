import { createLogger, embeddedDatabaseUrl, runSubgraph } from '@caregraph/platform';
import { Pool } from 'pg';
import { auditAuthEventSink } from './auth/auth-events';
import { identityOptionsFromEnv } from './options';
import { IDENTITY_DEFAULT_PORT, createIdentitySubgraph } from './subgraph';

let definition;
try {
  // sign-in events go to the shared audit log, over a small pool of their own
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(Number(process.env.EMBEDDED_PG_PORT) || undefined);
  const events = auditAuthEventSink(new Pool({ connectionString: databaseUrl, max: 2 }), createLogger('identity'));
  definition = createIdentitySubgraph({ ...identityOptionsFromEnv(), events });
} catch (error) {
  // configuration problems name the variable, never its value (a key)
  process.stderr.write(`identity: ${(error as Error).message}\n`);
  process.exit(1);
}
void runSubgraph(definition, IDENTITY_DEFAULT_PORT);
