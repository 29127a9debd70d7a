import { DEFAULT_PORTS, loadConfig, runSubgraph, url } from '@caregraph/platform';
import { createMessagingSubgraph } from './subgraph';

const { REDIS_URL } = loadConfig({ REDIS_URL: url({ default: undefined, desc: 'Redis to share socket rooms between messaging instances; unset = through the messaging database' }) });
void runSubgraph(createMessagingSubgraph({ redisUrl: REDIS_URL }), DEFAULT_PORTS.messaging);
