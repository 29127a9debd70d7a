import { createLogger, generateSigningKeyPair, startSubgraphServer, verifyAuditChain, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { createTestDatabase } from '../../../../test/support/database';
import { testAssertionKeys } from '../../../../test/support/services';
import { createIdentitySubgraph } from '../subgraph';
import { UserAccount } from '../user/user-account.entity';
import { auditAuthEventSink } from './auth-events';
import { hashSecret } from './secrets';

/** Every sign-in, failed or not, is a row in the tamper-evident audit log. */
describe('identity: sign-in events in the audit log', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let pool: Pool;
  let userId: string;

  beforeAll(async () => {
    db = await createTestDatabase('identity_audit');
    pool = new Pool({ connectionString: db.url, max: 2 });
    const keys = generateSigningKeyPair();
    const logger = createLogger('identity', 'silent');
    const { pair } = await testAssertionKeys();
    service = await startSubgraphServer(
      createIdentitySubgraph({ signingKey: keys.privateKey, publicKey: keys.publicKey, events: auditAuthEventSink(pool, logger) }),
      { assertionPublicKey: pair.publicKeyPem, port: 0, databaseUrl: db.url, poolMax: 2, logger },
    );
    const em = service.orm.em.fork() as EntityManager;
    const user = em.create(UserAccount, { email: 'nurse@a.test', passwordHash: await hashSecret('correct horse battery'), role: 'nurse', organizationId: '0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f', displayName: 'N' });
    await em.flush();
    userId = user.id;
  });
  afterAll(async () => {
    await service?.close();
    await pool?.end();
    await db?.drop();
  });

  const login = (password: string) =>
    fetch(service.url.replace('/graphql', '/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nurse@a.test', password }) });

  it('records a failed and a successful login with who, role, organization and outcome', async () => {
    expect((await login('wrong horse battery!')).status).toBe(401);
    expect((await login('correct horse battery')).status).toBe(200);
    const { rows } = await pool.query(`select action, outcome, actor_type, actor_id, actor_role, actor_organization_id, detail from audit.event where service = 'identity' order by id`);
    expect(rows).toEqual([
      expect.objectContaining({ action: 'login_failed', outcome: 'failure', actor_id: userId, actor_role: 'nurse', detail: expect.objectContaining({ reason: 'invalid_password' }) }),
      expect.objectContaining({ action: 'login', outcome: 'success', actor_type: 'user', actor_id: userId, actor_role: 'nurse', actor_organization_id: '0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f' }),
    ]);
    // no email (PHI-adjacent) in the audit detail
    expect(JSON.stringify(rows)).not.toContain('nurse@a.test');
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true });
  });
});
