import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { recomputeAfterWrite } from './care-gaps/care-gap.recompute';
import { Encounter } from './encounter/encounter.entity';
import { EncounterService } from './encounter/encounter.service';

/** The clinical subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface ClinicalContext extends RequestContext {
  encounters: EncounterService;
  loaders: {
    /** Batches encounter lookups (`encounter(id)`, `_entities`) into one query per tick; hidden ones are null. */
    encounter: DataLoader<string, Encounter | null>;
  };
}


export function createClinicalContext(base: RequestContext): ClinicalContext {
  // every audited chart write keeps the patient's care gaps in step, in its own transaction
  base.access.afterWrite(recomputeAfterWrite);
  const encounters = new EncounterService(base);
  return {
    ...base,
    encounters,
    loaders: {
      encounter: new DataLoader(async (ids) => encounters.visibleByIds(ids)),
    },
  };
}
