import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { actorNames, type NamedActor } from './audit/audit.service';
import { ApiClientService } from './client/api-client.service';
import type { ResolvedIdentityOptions } from './options';
import { UserService } from './user/user.service';

/** The identity subgraph's per-request context. */
export interface IdentityContext extends RequestContext {
  users: UserService;
  apiClients: ApiClientService;
  loaders: {
    /** Names of the audit log's actors (`AuditEvent.actorName`), one query per kind for a page. */
    actorName: DataLoader<NamedActor, string | null, string>;
  };
}

export function createIdentityContext(base: RequestContext, options: Pick<ResolvedIdentityOptions, 'totpIssuer'>): IdentityContext {
  return {
    ...base,
    users: new UserService(base, options),
    apiClients: new ApiClientService(base),
    loaders: { actorName: new DataLoader((actors) => actorNames(base, actors), { cacheKeyFn: (actor) => `${actor.type}:${actor.id}` }) },
  };
}
