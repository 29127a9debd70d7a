import { DEFAULT_PORTS, loadConfig, port, url } from '@caregraph/platform';
import { DEFAULT_SUBGRAPH_URLS } from './gateway';

/** The gateway's settings, validated once at start-up (a bad value names the variable). */
export const gatewaySpec = {
  GATEWAY_PORT: port({ default: DEFAULT_PORTS.gateway, desc: 'gateway HTTP port (GraphQL at /graphql, web client at /)' }),
  PATIENTS_URL: url({ default: DEFAULT_SUBGRAPH_URLS.patients, desc: 'patients subgraph GraphQL endpoint' }),
  CLINICAL_URL: url({ default: DEFAULT_SUBGRAPH_URLS.clinical, desc: 'clinical subgraph GraphQL endpoint' }),
  BILLING_URL: url({ default: DEFAULT_SUBGRAPH_URLS.billing, desc: 'billing subgraph GraphQL endpoint' }),
  MESSAGING_URL: url({ default: DEFAULT_SUBGRAPH_URLS.messaging, desc: 'messaging subgraph GraphQL endpoint' }),
};

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(gatewaySpec, env);
  return {
    config,
    subgraphUrls: {
      patients: config.PATIENTS_URL,
      clinical: config.CLINICAL_URL,
      billing: config.BILLING_URL,
      messaging: config.MESSAGING_URL,
    },
  };
}
