import { Migration } from '@mikro-orm/migrations';

/**
 * The messaging schema. Owned by the messaging subgraph only. Patient, practitioner, organization
 * and anchor ids point into other subgraphs: plain uuid columns, no foreign keys across schemas.
 */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "messaging";`);
    this.addSql(`
      create table "messaging"."chart_comment" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid null,
        "body" text not null check (char_length("body") between 1 and 5000),
        "parent_id" uuid null references "messaging"."chart_comment" ("id"),
        "anchor_type" text null check ("anchor_type" in ('Encounter', 'Condition', 'Observation', 'MedicationRequest', 'Procedure', 'Immunization', 'AllergyIntolerance', 'DiagnosticReport', 'CarePlan', 'Claim')),
        "anchor_id" uuid null,
        "author_practitioner_id" uuid null,
        "created_at" timestamptz not null default now(),
        "edited_at" timestamptz null,
        "deleted_at" timestamptz null,
        constraint "chart_comment_anchor_check" check (("anchor_type" is null) = ("anchor_id" is null))
      );`);
    // Patient.chartComments: newest first, keyset pagination.
    this.addSql(`create index "chart_comment_patient_created_idx" on "messaging"."chart_comment" ("patient_id", "created_at" desc, "id");`);
    // Comments pinned to one record (anchorType + anchorId), in the same order.
    this.addSql(`create index "chart_comment_anchor_idx" on "messaging"."chart_comment" ("anchor_type", "anchor_id", "created_at" desc, "id");`);
    // Replies of a comment; also keeps the self-reference cheap to check.
    this.addSql(`create index "chart_comment_parent_idx" on "messaging"."chart_comment" ("parent_id") where "parent_id" is not null;`);
  }
}
