import { Migration } from '@mikro-orm/migrations';

/** Observations, diagnostic reports and imaging studies (results/). */
export class Migration20261124000200_results extends Migration {
  override async up(): Promise<void> {
    // filled in by the feature (tables, checks, one index per filter and sort)
  }
}
