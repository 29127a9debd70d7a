import { Migration } from '@mikro-orm/migrations';

/**
 * Live chart comments (issue 6): authors from the signed-in principal, mentions, versioned edits,
 * soft delete by whom, and one ordered log of every change for replay to reconnecting sockets.
 * Also the tables the Socket.IO server needs: the Postgres adapter's attachments (created here,
 * not at run time) and the sessions identity reported ended.
 */
export class Migration20261129001100_live_comments extends Migration {
  override async up(): Promise<void> {
    // one sequence for every change of any chart's comments; per chart, writes are serialized
    // (advisory lock in the write), so a chart's changes commit in seq order and replay is exact
    this.addSql(`create sequence "messaging"."chart_comment_seq";`);
    this.addSql(`
      alter table "messaging"."chart_comment"
        add column "seq" bigint null,
        add column "version" int not null default 1 check ("version" >= 1),
        add column "author_user_id" uuid null,
        add column "author_role" text null check ("author_role" in ('physician', 'nurse', 'billing', 'org_admin', 'compliance', 'patient')),
        add column "mentioned_practitioner_ids" uuid[] not null default '{}',
        add column "deleted_by_user_id" uuid null;`);
    // every change, in order: what a reconnecting socket replays (seq > the last one it saw)
    this.addSql(`
      create table "messaging"."chart_comment_event" (
        "seq" bigint primary key,
        "patient_id" uuid not null,
        "comment_id" uuid not null references "messaging"."chart_comment" ("id"),
        "kind" text not null check ("kind" in ('created', 'edited', 'deleted')),
        "version" int not null,
        "actor_user_id" uuid null,
        -- the client's id for the write: a retry with the same one returns what was stored
        "client_message_id" text null check (char_length("client_message_id") between 1 and 200),
        "occurred_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "chart_comment_event_patient_seq_idx" on "messaging"."chart_comment_event" ("patient_id", "seq");`);
    this.addSql(`create unique index "chart_comment_event_client_message_idx" on "messaging"."chart_comment_event" ("actor_user_id", "client_message_id") where "client_message_id" is not null;`);
    // every version's text, the first included
    this.addSql(`
      create table "messaging"."chart_comment_version" (
        "comment_id" uuid not null references "messaging"."chart_comment" ("id"),
        "version" int not null check ("version" >= 1),
        "body" text not null check (char_length("body") between 1 and 5000),
        "mentioned_practitioner_ids" uuid[] not null default '{}',
        "written_at" timestamptz not null default now(),
        "written_by_user_id" uuid null,
        primary key ("comment_id", "version")
      );`);
    // comments written before: version 1 and a "created" event each, in creation order
    this.addSql(`
      with ordered as (select "id", nextval('messaging.chart_comment_seq') as "seq" from (select "id" from "messaging"."chart_comment" order by "created_at", "id") c)
      update "messaging"."chart_comment" c set "seq" = ordered."seq" from ordered where ordered."id" = c."id";`);
    this.addSql(`insert into "messaging"."chart_comment_version" ("comment_id", "version", "body", "written_at") select "id", 1, "body", "created_at" from "messaging"."chart_comment";`);
    this.addSql(`insert into "messaging"."chart_comment_event" ("seq", "patient_id", "comment_id", "kind", "version", "occurred_at") select "seq", "patient_id", "id", 'created', 1, "created_at" from "messaging"."chart_comment";`);
    // rows written without the service (fixtures, imports) still get a place in the order
    this.addSql(`alter table "messaging"."chart_comment" alter column "seq" set not null, alter column "seq" set default nextval('messaging.chart_comment_seq'), add constraint "chart_comment_seq_unique" unique ("seq");`);
    // a thread's replies in order
    this.addSql(`drop index "messaging"."chart_comment_parent_idx";`);
    this.addSql(`create index "chart_comment_parent_idx" on "messaging"."chart_comment" ("parent_id", "seq") where "parent_id" is not null;`);

    // @socket.io/postgres-adapter: broadcasts over 8 kB travel through this table (it never creates it)
    this.addSql(`
      create table "messaging"."socket_io_attachments" (
        "id" bigserial unique,
        "created_at" timestamptz default now(),
        "payload" bytea
      );`);
    // sessions identity ended (logout, refresh-token reuse, revocation): their sockets are refused
    // until the session's access tokens have expired
    this.addSql(`
      create table "messaging"."ended_session" (
        "session_id" uuid primary key,
        "user_id" uuid null,
        "ended_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "ended_session_ended_at_idx" on "messaging"."ended_session" ("ended_at");`);
  }
}
