import { ensureEventsSchema, type EntityManager } from '@caregraph/platform';
import { Migration } from '@mikro-orm/migrations';

/**
 * Other services start keeping staff accounts (topic `identity.account`, see
 * src/user/account-events.ts). New changes publish their own events; this backfills one event per
 * existing staff account, in the migration's transaction. The `events` schema is created first if
 * it is not there yet (migrations run before the server ensures it, and tools run them alone).
 */
export class Migration20261129001300_account_events extends Migration {
  override async up(): Promise<void> {
    await ensureEventsSchema(this.getEntityManager() as EntityManager);
    this.addSql(`
      insert into "events"."event" ("topic", "key", "payload", "producer")
      select 'identity.account', u."id"::text,
             jsonb_build_object('userId', u."id", 'role', u."role", 'organizationId', u."organization_id", 'practitionerId', u."practitioner_id",
                                'displayName', u."display_name", 'active', u."active"),
             'identity'
        from "identity"."user_account" u
       where u."role" <> 'patient'
       order by u."id";`);
  }
}
