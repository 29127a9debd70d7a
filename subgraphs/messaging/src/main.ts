import { DEFAULT_PORTS, runSubgraph } from '@caregraph/platform';
import { messagingSubgraph } from './subgraph';

void runSubgraph(messagingSubgraph, DEFAULT_PORTS.messaging);
