import { bool, DEFAULT_PORTS, loadConfig, num, port, str, url } from '@caregraph/platform';
import { DEFAULT_ENTITY_CACHE_ENTRIES } from './entity-cache';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_SUBGRAPH_URLS, type GatewayOptions } from './gateway';
import { DEFAULT_QUERY_LIMITS } from './query-limits';
import { DEFAULT_RATE_LIMITS } from './rate-limit';

/** The gateway's settings, validated once at start-up (a bad value names the variable). */
export const gatewaySpec = {
  GATEWAY_PORT: port({ default: DEFAULT_PORTS.gateway, desc: 'gateway HTTP port (GraphQL at /graphql, web client at /)' }),
  PATIENTS_URL: url({ default: DEFAULT_SUBGRAPH_URLS.patients, desc: 'patients subgraph GraphQL endpoint' }),
  CLINICAL_URL: url({ default: DEFAULT_SUBGRAPH_URLS.clinical, desc: 'clinical subgraph GraphQL endpoint' }),
  BILLING_URL: url({ default: DEFAULT_SUBGRAPH_URLS.billing, desc: 'billing subgraph GraphQL endpoint' }),
  MESSAGING_URL: url({ default: DEFAULT_SUBGRAPH_URLS.messaging, desc: 'messaging subgraph GraphQL endpoint' }),
  IDENTITY_URL: url({ default: DEFAULT_SUBGRAPH_URLS.identity, desc: 'identity subgraph GraphQL endpoint (sign-in routes are proxied to the same host)' }),
  AUTH_PUBLIC_KEY: str({ default: undefined, desc: "identity service's public key (SPKI PEM) to verify access tokens; unset = every bearer token is refused" }),
  GATEWAY_ASSERTION_PRIVATE_KEY: str({ desc: 'PKCS8 PEM the gateway signs subgraph assertions with (npm start creates one in DATA_DIR/keys)' }),

  // Query limits (graphql-armor), checked before any subgraph is called; over a limit = HTTP 400.
  GATEWAY_MAX_DEPTH: num({ default: DEFAULT_QUERY_LIMITS.maxDepth, desc: 'deepest selection nesting per operation' }),
  GATEWAY_MAX_COST: num({ default: DEFAULT_QUERY_LIMITS.maxCost, desc: 'graphql-armor cost limit per operation (literal first/last multiply)' }),
  GATEWAY_MAX_ALIASES: num({ default: DEFAULT_QUERY_LIMITS.maxAliases, desc: 'aliases per operation' }),
  GATEWAY_MAX_TOKENS: num({ default: DEFAULT_QUERY_LIMITS.maxTokens, desc: 'lexical tokens per GraphQL document' }),
  GATEWAY_MAX_DIRECTIVES: num({ default: DEFAULT_QUERY_LIMITS.maxDirectives, desc: 'directives per operation' }),
  GATEWAY_MAX_BODY_BYTES: num({ default: DEFAULT_MAX_BODY_BYTES, desc: 'largest /graphql request body in bytes (larger = 413)' }),
  GATEWAY_ENTITY_CACHE_ENTRIES: num({ default: DEFAULT_ENTITY_CACHE_ENTRIES, desc: 'directory entities (organization names) a subgraph marked public kept in memory for their max-age; 0 = ask every time' }),

  // Rate limits: a budget of requests per window per caller; over it = HTTP 429 with Retry-After.
  RATE_LIMIT_ENABLED: bool({ default: true, desc: 'false turns per-caller rate limiting off (benchmarks)' }),
  RATE_LIMIT_WINDOW_SEC: num({ default: DEFAULT_RATE_LIMITS.anonymous.durationSec, desc: 'rate-limit window in seconds (all budgets)' }),
  RATE_LIMIT_USER: num({ default: DEFAULT_RATE_LIMITS.user.points, desc: 'requests per window per signed-in user' }),
  RATE_LIMIT_CLIENT: num({ default: DEFAULT_RATE_LIMITS.client.points, desc: 'requests per window per partner (OAuth) client' }),
  RATE_LIMIT_ANONYMOUS: num({ default: DEFAULT_RATE_LIMITS.anonymous.points, desc: 'requests per window per IP without a principal' }),
  RATE_LIMIT_AUTH: num({ default: DEFAULT_RATE_LIMITS.auth.points, desc: 'requests per window per IP to /auth/* and /oauth/* (sign-in)' }),
  RATE_LIMIT_KEY_PREFIX: str({ default: 'caregraph-gw', desc: "prefix of the rate-limit counters' keys in Redis: deployments sharing one Redis keep their counters apart with their own" }),
  REDIS_URL: url({ default: undefined, desc: 'Redis for rate-limit counters shared by all gateway instances; unset = per-instance memory' }),
  GATEWAY_TRUST_PROXY: str({
    default: '',
    desc: 'Express "trust proxy": hops (e.g. 1) or addresses of the load balancers in front; empty = none (the client IP is the socket peer)',
  }),
};

/** `GATEWAY_TRUST_PROXY` as Express wants it: '' → unset, 'true'/'false' → boolean, digits → hops, else addresses. */
function trustProxyOf(value: string): GatewayOptions['trustProxy'] {
  if (value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(gatewaySpec, env);
  const window = config.RATE_LIMIT_WINDOW_SEC;
  const options = {
    assertionPrivateKey: config.GATEWAY_ASSERTION_PRIVATE_KEY.replace(/\\n/g, '\n'),
    accessTokenPublicKey: config.AUTH_PUBLIC_KEY?.replace(/\\n/g, '\n'),
    auditDatabaseUrl: config.DATABASE_URL,
    production: config.NODE_ENV === 'production',
    queryLimits: {
      maxDepth: config.GATEWAY_MAX_DEPTH,
      maxCost: config.GATEWAY_MAX_COST,
      maxAliases: config.GATEWAY_MAX_ALIASES,
      maxTokens: config.GATEWAY_MAX_TOKENS,
      maxDirectives: config.GATEWAY_MAX_DIRECTIVES,
    },
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    entityCacheEntries: config.GATEWAY_ENTITY_CACHE_ENTRIES,
    rateLimit: config.RATE_LIMIT_ENABLED
      ? {
          user: { points: config.RATE_LIMIT_USER, durationSec: window },
          client: { points: config.RATE_LIMIT_CLIENT, durationSec: window },
          anonymous: { points: config.RATE_LIMIT_ANONYMOUS, durationSec: window },
          auth: { points: config.RATE_LIMIT_AUTH, durationSec: window },
          keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
        }
      : (false as const),
    trustProxy: trustProxyOf(config.GATEWAY_TRUST_PROXY),
  } satisfies Partial<GatewayOptions>;
  return {
    config,
    subgraphUrls: {
      patients: config.PATIENTS_URL,
      clinical: config.CLINICAL_URL,
      billing: config.BILLING_URL,
      messaging: config.MESSAGING_URL,
      identity: config.IDENTITY_URL,
    },
    /** createGateway options derived from the environment (protections, limits). */
    options,
  };
}
