import { conflict, findPage, notFound, toConnection, type Connection, type RequestContext } from '@caregraph/platform';
import { randomToken, hashSecret } from '../auth/secrets';
import { requireStaffRole } from '../access';
import { ApiClient } from './api-client.entity';
import type { ApiClientsArgs, CreateApiClientInput } from './api-client.inputs';

export interface CreatedApiClient {
  client: ApiClient;
  /** Shown once: only its argon2 hash is stored. */
  clientSecret: string;
}

/** Partner-app registrations, managed by org admins for their own organization. */
export class ApiClientService {
  constructor(private readonly ctx: RequestContext) {}

  async list(args: ApiClientsArgs, includeCount: boolean): Promise<Connection<ApiClient>> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    const page = await findPage(this.ctx.em, ApiClient, { organizationId: admin.organizationId }, {
      first: args.first, after: args.after, orderBy: { createdAt: 'asc', id: 'asc' }, includeCount,
    });
    return toConnection(page);
  }

  async create(input: CreateApiClientInput): Promise<CreatedApiClient> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    const clientId = input.clientId ?? randomToken('cg_', 12).replace(/[^A-Za-z0-9]/g, 'x');
    if (await this.ctx.em.count(ApiClient, { clientId })) throw conflict('A client with this clientId already exists', { field: 'clientId' });
    const clientSecret = randomToken('cgs_');
    const client = this.ctx.em.create(ApiClient, {
      clientId,
      secretHash: await hashSecret(clientSecret),
      name: input.name.trim(),
      organizationId: admin.organizationId,
      scopes: [...new Set(input.scopes)],
    });
    await this.ctx.em.flush();
    return { client, clientSecret };
  }

  async deactivate(id: string): Promise<ApiClient> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    const client = await this.ctx.em.findOne(ApiClient, { id, organizationId: admin.organizationId });
    if (!client) throw notFound('ApiClient', 'id');
    client.active = false;
    await this.ctx.em.flush();
    return client;
  }
}
