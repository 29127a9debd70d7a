export { createGateway, DEFAULT_SUBGRAPH_URLS, SUBGRAPH_NAMES, SUPERGRAPH_PATH, WEB_ROOT } from './gateway';
export type { GatewayOptions, Readiness, RunningGateway, SubgraphName } from './gateway';
export { gatewaySpec, loadGatewayConfig } from './config';
export { SERVICE_UNAVAILABLE, SubgraphDataSource } from './subgraph-data-source';
export { createGatewayErrorFormatter } from './errors';
export { createKeepAliveFetcher } from './keep-alive-fetcher';
export type { GatewayContext } from './context';
