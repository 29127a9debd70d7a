import { Migration } from '@mikro-orm/migrations';

/**
 * Patient consent (which other organizations may see which part of a record) and break-glass
 * (a clinician's audited emergency access). Both feed `decidePatientAccess` (src/access), whose
 * batch query probes these indexes once per patient id.
 */
export class Migration20261123000000_consent_access extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "patients"."patient_consent" (
        "id" uuid primary key,
        "patient_id" uuid not null references "patients"."patient" ("id") on delete cascade,
        "organization_id" uuid not null references "patients"."organization" ("id"),
        "category" text not null check ("category" in ('clinical', 'billing', 'all')),
        "granted_at" timestamptz not null default now(),
        "expires_at" timestamptz null,
        "revoked_at" timestamptz null,
        "granted_by_type" text not null check ("granted_by_type" in ('user', 'client', 'system')),
        "granted_by_id" text not null,
        "revoked_by_type" text null check ("revoked_by_type" in ('user', 'client', 'system')),
        "revoked_by_id" text null,
        "created_at" timestamptz not null default now(),
        constraint "patient_consent_expiry_check" check ("expires_at" is null or "expires_at" > "granted_at"),
        constraint "patient_consent_revoked_check" check (("revoked_at" is null) = ("revoked_by_id" is null))
      );`);
    // the access decision: active consents of (patient, organization), category filtered in the index
    this.addSql(`create index "patient_consent_decision_idx" on "patients"."patient_consent" ("patient_id", "organization_id", "category", "expires_at") where "revoked_at" is null;`);
    // Patient.consents: newest first
    this.addSql(`create index "patient_consent_patient_granted_idx" on "patients"."patient_consent" ("patient_id", "granted_at" desc, "id" desc);`);

    this.addSql(`
      create table "patients"."break_glass_access" (
        "id" uuid primary key,
        "user_id" text not null,
        "organization_id" uuid null,
        "patient_id" uuid not null references "patients"."patient" ("id") on delete cascade,
        "reason" text not null check (char_length("reason") between 10 and 500),
        "started_at" timestamptz not null default now(),
        "expires_at" timestamptz not null,
        "created_at" timestamptz not null default now(),
        constraint "break_glass_access_period_check" check ("expires_at" > "started_at")
      );`);
    this.addSql(`comment on column "patients"."break_glass_access"."reason" is 'Free text justification: may hold PHI. Never logged, never copied to the audit log.';`);
    // the access decision: (patient, user) with an unexpired window
    this.addSql(`create index "break_glass_access_decision_idx" on "patients"."break_glass_access" ("patient_id", "user_id", "expires_at");`);
  }
}
