import { Migration } from '@mikro-orm/migrations';

/** The patients schema: the demographics domain. Owned by the patients subgraph only. */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "patients";`);
    this.addSql(`
      create table "patients"."organization" (
        "id" uuid primary key,
        "name" text not null,
        "search_name" text not null,
        "type" text not null check ("type" in ('hospital', 'practice', 'payer', 'other')),
        "identifiers" jsonb not null default '[]',
        "telecom" jsonb not null default '[]',
        "addresses" jsonb not null default '[]',
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "organization_search_name_idx" on "patients"."organization" ("search_name" text_pattern_ops, "id");`);
  }
}
