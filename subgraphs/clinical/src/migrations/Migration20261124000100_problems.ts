import { Migration } from '@mikro-orm/migrations';

/** Conditions, allergies, immunizations and procedures (problems/). */
export class Migration20261124000100_problems extends Migration {
  override async up(): Promise<void> {
    // filled in by the feature (tables, checks, one index per filter and sort)
  }
}
