import { Migration } from '@mikro-orm/migrations';

/**
 * Provider messages and notifications (src/threads, src/notifications), and the copies of other
 * services' data they rest on, kept from events (src/directory): no reads across schemas.
 *
 * - `directory_account`: staff accounts from identity's `identity.account` events (latest by event id).
 * - `patient_registration`: patients' active registrations from `patient.registrations` (the care team).
 * - `message_thread`, `thread_participant`, `provider_message`: threads between clinicians,
 *   optionally about a patient. A direct thread is one per pair (and patient): `direct_key`.
 *   Messages are ordered by `seq`; a participant's read pointer is the seq read up to. A retried
 *   send (same sender and client message id) finds the stored message.
 * - `notification`: per user; `source_key` makes each source (an event, a comment) notify a user once.
 * - `access_recheck`: narrowings of patient access that take effect later (break-glass and
 *   consent expiry), run when due.
 */
export class Migration20261129001200_messages_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "messaging"."directory_account" (
        "user_id" uuid primary key,
        "role" text not null,
        "organization_id" uuid not null,
        "practitioner_id" uuid null,
        "display_name" text not null,
        "active" boolean not null,
        "last_event_id" bigint not null
      );`);
    // mentions name practitioners; the care team is an organization's clinicians
    this.addSql(`create index "directory_account_practitioner_idx" on "messaging"."directory_account" ("practitioner_id") where "practitioner_id" is not null;`);
    this.addSql(`create index "directory_account_organization_idx" on "messaging"."directory_account" ("organization_id") where "active";`);

    this.addSql(`
      create table "messaging"."patient_registration" (
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "last_event_id" bigint not null,
        primary key ("patient_id", "organization_id")
      );`);

    this.addSql(`
      create table "messaging"."message_thread" (
        "id" uuid primary key,
        "kind" text not null check ("kind" in ('direct', 'group')),
        "subject" text null check (char_length("subject") between 1 and 200),
        "patient_id" uuid null,
        "created_by_user_id" uuid not null,
        "direct_key" text null,
        "created_at" timestamptz not null default now(),
        "last_activity_at" timestamptz not null default now(),
        constraint "message_thread_direct_key_check" check (("kind" = 'direct') = ("direct_key" is not null))
      );`);
    this.addSql(`create unique index "message_thread_direct_key_idx" on "messaging"."message_thread" ("direct_key") where "direct_key" is not null;`);

    this.addSql(`
      create table "messaging"."thread_participant" (
        "thread_id" uuid not null references "messaging"."message_thread" ("id") on delete cascade,
        "user_id" uuid not null,
        "organization_id" uuid not null,
        "joined_at" timestamptz not null default now(),
        "last_read_seq" bigint not null default 0,
        "last_read_message_id" uuid null,
        "last_read_at" timestamptz null,
        primary key ("thread_id", "user_id")
      );`);
    // a user's threads
    this.addSql(`create index "thread_participant_user_idx" on "messaging"."thread_participant" ("user_id", "thread_id");`);

    this.addSql(`
      create table "messaging"."provider_message" (
        "id" uuid primary key,
        "seq" bigint generated always as identity,
        "thread_id" uuid not null references "messaging"."message_thread" ("id") on delete cascade,
        "sender_user_id" uuid not null,
        "sender_organization_id" uuid not null,
        "body" text not null check (char_length("body") between 1 and 5000),
        "client_message_id" text not null check (char_length("client_message_id") between 1 and 100),
        "created_at" timestamptz not null default now(),
        constraint "provider_message_seq_key" unique ("seq"),
        constraint "provider_message_client_key" unique ("sender_user_id", "client_message_id")
      );`);
    // a thread's messages newest first, and unread counts (seq past a read pointer)
    this.addSql(`create index "provider_message_thread_seq_idx" on "messaging"."provider_message" ("thread_id", "seq");`);

    this.addSql(`
      create table "messaging"."notification" (
        "id" uuid primary key,
        "user_id" uuid not null,
        "kind" text not null check ("kind" in ('mention', 'monitoring-alert', 'care-gap')),
        "patient_id" uuid null,
        "refs" jsonb not null default '{}',
        "source_key" text not null,
        "created_at" timestamptz not null default now(),
        "read_at" timestamptz null,
        constraint "notification_source_key" unique ("user_id", "source_key")
      );`);
    // myNotifications: newest first; unread counts per patient (hidden patients are not counted)
    this.addSql(`create index "notification_user_created_idx" on "messaging"."notification" ("user_id", "created_at" desc, "id");`);
    this.addSql(`create index "notification_user_unread_idx" on "messaging"."notification" ("user_id", "patient_id") where "read_at" is null;`);

    this.addSql(`
      create table "messaging"."access_recheck" (
        "patient_id" uuid not null,
        "due_at" timestamptz not null,
        primary key ("patient_id", "due_at")
      );`);
    this.addSql(`create index "access_recheck_due_idx" on "messaging"."access_recheck" ("due_at");`);
  }
}
