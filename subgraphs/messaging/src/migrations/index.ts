import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';
import { Migration20261129001100_live_comments } from './Migration20261129001100_live_comments';
import { Migration20261129001200_messages_notifications } from './Migration20261129001200_messages_notifications';

/** Every migration of the messaging schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261129001100_live_comments', class: Migration20261129001100_live_comments },
  { name: 'Migration20261129001200_messages_notifications', class: Migration20261129001200_messages_notifications },
];
