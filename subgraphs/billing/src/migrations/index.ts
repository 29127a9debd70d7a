import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';
import { Migration20261129000100_ledger } from './Migration20261129000100_ledger';
import { Migration20261129000400_worklist } from './Migration20261129000400_worklist';
import { Migration20261129000500_worklist_totals } from './Migration20261129000500_worklist_totals';
import { Migration20261129000600_monthly_totals } from './Migration20261129000600_monthly_totals';

/** Every migration of the billing schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261129000100_ledger', class: Migration20261129000100_ledger },
  { name: 'Migration20261129000400_worklist', class: Migration20261129000400_worklist },
  { name: 'Migration20261129000500_worklist_totals', class: Migration20261129000500_worklist_totals },
  { name: 'Migration20261129000600_monthly_totals', class: Migration20261129000600_monthly_totals },
];
