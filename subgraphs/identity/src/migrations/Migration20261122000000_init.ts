import { Migration } from '@mikro-orm/migrations';

/** The identity schema: accounts, sessions, partner-app clients. Owned by the identity subgraph only. */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "identity";`);
    this.addSql(`
      create table "identity"."user_account" (
        "id" uuid primary key,
        "email" text not null check ("email" = lower("email")),
        "password_hash" text not null,
        "role" text not null check ("role" in ('physician', 'nurse', 'billing', 'org_admin', 'compliance', 'patient')),
        "organization_id" uuid null,
        "patient_id" uuid null,
        "practitioner_id" uuid null,
        "display_name" text not null,
        "totp_secret" text null,
        "totp_enabled" boolean not null default false,
        "active" boolean not null default true,
        "failed_login_count" integer not null default 0,
        "locked_until" timestamptz null,
        "last_login_at" timestamptz null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "user_account_org_by_role" check (("role" = 'patient') = ("organization_id" is null)),
        constraint "user_account_patient_by_role" check (("role" = 'patient') = ("patient_id" is not null))
      );`);
    // emails are stored lower-cased (check above), so a plain unique index is case-insensitive
    this.addSql(`create unique index "user_account_email_key" on "identity"."user_account" ("email");`);
    this.addSql(`create index "user_account_org_role_idx" on "identity"."user_account" ("organization_id", "role", "created_at", "id");`);
    this.addSql(`create index "user_account_org_created_idx" on "identity"."user_account" ("organization_id", "created_at", "id");`);
    this.addSql(`create index "user_account_patient_idx" on "identity"."user_account" ("patient_id");`);

    this.addSql(`
      create table "identity"."session" (
        "id" uuid primary key,
        "user_id" uuid not null references "identity"."user_account" ("id") on delete cascade,
        "refresh_token_hash" text not null,
        "created_at" timestamptz not null default now(),
        "last_seen_at" timestamptz not null default now(),
        "expires_at" timestamptz not null,
        "revoked_at" timestamptz null,
        "revoked_reason" text null
      );`);
    this.addSql(`create unique index "session_refresh_token_hash_key" on "identity"."session" ("refresh_token_hash");`);
    this.addSql(`create index "session_user_idx" on "identity"."session" ("user_id") where "revoked_at" is null;`);

    this.addSql(`
      create table "identity"."retired_refresh_token" (
        "token_hash" text primary key,
        "session_id" uuid not null references "identity"."session" ("id") on delete cascade,
        "retired_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "retired_refresh_token_session_idx" on "identity"."retired_refresh_token" ("session_id");`);

    this.addSql(`
      create table "identity"."api_client" (
        "id" uuid primary key,
        "client_id" text not null,
        "secret_hash" text not null,
        "name" text not null,
        "organization_id" uuid null,
        "scopes" text[] not null default '{}',
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create unique index "api_client_client_id_key" on "identity"."api_client" ("client_id");`);
    this.addSql(`create index "api_client_org_idx" on "identity"."api_client" ("organization_id", "created_at", "id");`);
  }
}
