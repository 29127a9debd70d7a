import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';

/** Every migration of the identity schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
];
