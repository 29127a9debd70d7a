import type { SubgraphDefinition } from '@caregraph/platform';
import { createPatientsContext, type PatientsContext } from './context';
import { migrations } from './migrations';
import { Organization } from './organization/organization.entity';
import { organizationReference } from './organization/organization.reference';
import { OrganizationResolver } from './organization/organization.resolver';

/** The patients subgraph: demographics, organizations, practitioners, registrations. */
export const patientsSubgraph: SubgraphDefinition<PatientsContext> = {
  name: 'patients',
  database: { schema: 'patients', entities: [Organization], migrations },
  resolvers: [OrganizationResolver],
  referenceResolvers: { ...organizationReference },
  createContext: createPatientsContext,
};
