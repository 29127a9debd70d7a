import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { Encounter } from './encounter/encounter.entity';
import { EncounterService } from './encounter/encounter.service';

/** The clinical subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface ClinicalContext extends RequestContext {
  encounters: EncounterService;
  loaders: {
    /** Batches encounter lookups (`encounter(id)`, `_entities`) into one query per tick. */
    encounter: DataLoader<string, Encounter | null>;
  };
}

/** Orders batch results like the requested keys (null where missing), as DataLoader requires. */
export function byIds<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id.toLowerCase()) ?? null);
}

export function createClinicalContext(base: RequestContext): ClinicalContext {
  const encounters = new EncounterService(base);
  return {
    ...base,
    encounters,
    loaders: {
      encounter: new DataLoader(async (ids) => byIds(ids, await encounters.findByIds(ids))),
    },
  };
}
