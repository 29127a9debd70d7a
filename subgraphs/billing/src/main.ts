import { DEFAULT_PORTS, runSubgraph } from '@caregraph/platform';
import { billingSubgraph } from './subgraph';

void runSubgraph(billingSubgraph, DEFAULT_PORTS.billing);
