export { createMessagingSubgraph, messagingSubgraph, type MessagingOptions, type MessagingSubgraph } from './subgraph';
export type { LiveServer } from './live/socket-server';
export { LIVE_PATH } from './live/socket-server';
