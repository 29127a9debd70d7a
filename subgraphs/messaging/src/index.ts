export { messagingSubgraph } from './subgraph';
