import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';
import { Migration20261123000000_consent_access } from './Migration20261123000000_consent_access';
import { Migration20261124000500_demographics_events } from './Migration20261124000500_demographics_events';
import { Migration20261124000600_registration_events } from './Migration20261124000600_registration_events';

/** Every migration of the patients schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261123000000_consent_access', class: Migration20261123000000_consent_access },
  { name: 'Migration20261124000500_demographics_events', class: Migration20261124000500_demographics_events },
  { name: 'Migration20261124000600_registration_events', class: Migration20261124000600_registration_events },
];
