import { Migration } from '@mikro-orm/migrations';

/** Medication requests, care plans, goals and clinical notes (medications/). */
export class Migration20261124000300_medications extends Migration {
  override async up(): Promise<void> {
    // filled in by the feature (tables, checks, one index per filter and sort)
  }
}
