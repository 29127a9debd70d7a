import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';
import { Migration20261129001300_account_events } from './Migration20261129001300_account_events';

/** Every migration of the identity schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261129001300_account_events', class: Migration20261129001300_account_events },
];
