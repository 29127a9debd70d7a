import { DEFAULT_PORTS, runSubgraph } from '@caregraph/platform';
import { clinicalSubgraph } from './subgraph';

void runSubgraph(clinicalSubgraph, DEFAULT_PORTS.clinical);
