import type { RequestContext } from '@caregraph/platform';
import { ApiClientService } from './client/api-client.service';
import type { ResolvedIdentityOptions } from './options';
import { UserService } from './user/user.service';

/** The identity subgraph's per-request context. */
export interface IdentityContext extends RequestContext {
  users: UserService;
  apiClients: ApiClientService;
}

export function createIdentityContext(base: RequestContext, options: Pick<ResolvedIdentityOptions, 'totpIssuer'>): IdentityContext {
  return { ...base, users: new UserService(base, options), apiClients: new ApiClientService(base) };
}
