import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { Organization } from './organization/organization.entity';
import { OrganizationService } from './organization/organization.service';

/** The patients subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface PatientsContext extends RequestContext {
  organizations: OrganizationService;
  loaders: {
    /** Batches organization lookups (registrations, `_entities`) into one query per tick. */
    organization: DataLoader<string, Organization | null>;
  };
}

/** Orders batch results like the requested keys (null where missing), as DataLoader requires. */
export function byIds<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

export function createPatientsContext(base: RequestContext): PatientsContext {
  const organizations = new OrganizationService(base);
  return {
    ...base,
    organizations,
    loaders: {
      organization: new DataLoader(async (ids) => byIds(ids, await organizations.findByIds(ids))),
    },
  };
}
