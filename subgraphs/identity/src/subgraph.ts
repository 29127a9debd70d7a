import { DEFAULT_PORTS, type DatabaseDefinition, type SubgraphDefinition } from '@caregraph/platform';
import { AuditResolver } from './audit/audit.resolver';
import { mountAuthRoutes } from './auth/auth.routes';
import { ApiClient } from './client/api-client.entity';
import { ApiClientResolver } from './client/api-client.resolver';
import { createIdentityContext, type IdentityContext } from './context';
import { migrations } from './migrations';
import { resolveIdentityOptions, type IdentityOptions } from './options';
import { RetiredRefreshToken, Session } from './session/session.entity';
import { UserAccount } from './user/user-account.entity';
import { UserResolver } from './user/user.resolver';

export const IDENTITY_DEFAULT_PORT = DEFAULT_PORTS.identity;

export const identityEntities = [UserAccount, Session, RetiredRefreshToken, ApiClient];

/** The identity schema (tools open it to seed demo accounts; keys play no part in it). */
export const identityDatabase: DatabaseDefinition = { schema: 'identity', entities: identityEntities, migrations };

/**
 * The identity subgraph: accounts, sessions, partner-app clients, and the sign-in endpoints
 * that issue access tokens. Built from options (keys, lifetimes, lockout) so tests and the
 * launcher can pass their own; main.ts builds it from the environment.
 */
export function createIdentitySubgraph(options: IdentityOptions): SubgraphDefinition<IdentityContext> {
  const resolved = resolveIdentityOptions(options);
  return {
    name: 'identity',
    database: identityDatabase,
    resolvers: [UserResolver, ApiClientResolver, AuditResolver],
    createContext: (base) => createIdentityContext(base, resolved),
    routes: (app, services) => mountAuthRoutes(app, services, resolved),
  };
}
