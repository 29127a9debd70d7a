export { createIdentitySubgraph, identityDatabase, identityEntities, IDENTITY_DEFAULT_PORT } from './subgraph';
export { identityConfigSpec, identityOptionsFromEnv, resolveIdentityOptions, type IdentityOptions } from './options';
export { logAuthEventSink, type AuthEvent, type AuthEventSink, type AuthEventType } from './auth/auth-events';
export { seedDemoAccounts, DEMO_PASSWORD, type DemoAccount, type DemoSeedResult } from './demo/demo-accounts';
export type { IdentityContext } from './context';
