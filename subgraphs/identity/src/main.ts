import { runSubgraph } from '@caregraph/platform';
import { identityOptionsFromEnv } from './options';
import { IDENTITY_DEFAULT_PORT, createIdentitySubgraph } from './subgraph';

let definition;
try {
  definition = createIdentitySubgraph(identityOptionsFromEnv());
} catch (error) {
  // configuration problems name the variable, never its value (a key)
  process.stderr.write(`identity: ${(error as Error).message}\n`);
  process.exit(1);
}
void runSubgraph(definition, IDENTITY_DEFAULT_PORT);
