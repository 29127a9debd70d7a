import { DEFAULT_PORTS, runSubgraph } from '@caregraph/platform';
import { patientsSubgraph } from './subgraph';

void runSubgraph(patientsSubgraph, DEFAULT_PORTS.patients);
