import type { MigrationEntry } from '@caregraph/platform';
import { Migration20261122000000_init } from './Migration20261122000000_init';
import { Migration20261124000100_problems } from './Migration20261124000100_problems';
import { Migration20261124000200_results } from './Migration20261124000200_results';
import { Migration20261124000300_medications } from './Migration20261124000300_medications';
import { Migration20261124000400_encounter_details } from './Migration20261124000400_encounter_details';
import { Migration20261124000500_patient_facts } from './Migration20261124000500_patient_facts';
import { Migration20261124000600_care_gaps } from './Migration20261124000600_care_gaps';
import { Migration20261124000700_monitoring } from './Migration20261124000700_monitoring';

/** Every migration of the clinical schema, oldest first. New files must be added here. */
export const migrations: MigrationEntry[] = [
  { name: 'Migration20261122000000_init', class: Migration20261122000000_init },
  { name: 'Migration20261124000100_problems', class: Migration20261124000100_problems },
  { name: 'Migration20261124000200_results', class: Migration20261124000200_results },
  { name: 'Migration20261124000300_medications', class: Migration20261124000300_medications },
  { name: 'Migration20261124000400_encounter_details', class: Migration20261124000400_encounter_details },
  { name: 'Migration20261124000500_patient_facts', class: Migration20261124000500_patient_facts },
  { name: 'Migration20261124000600_care_gaps', class: Migration20261124000600_care_gaps },
  { name: 'Migration20261124000700_monitoring', class: Migration20261124000700_monitoring },
];
