import { randomUUID } from 'node:crypto';
import { generateSigningKeyPair, verifyAccessToken, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { staff, withSql } from '../../../../test/support/principals';
import { graphql, startTestSubgraph } from '../../../../test/support/services';
import { hashSecret } from '../auth/secrets';
import { createIdentitySubgraph } from '../subgraph';
import { UserAccount } from '../user/user-account.entity';
import { SESSION_ENDED_TOPIC } from './session-events';

const PASSWORD = 'correct horse battery';

/**
 * Every way a session ends early publishes `identity.session-ended` with the session, its user and
 * why, in the transaction that ends it (the messaging service disconnects the session's sockets).
 */
describe('identity: session-ended events', () => {
  const keys = generateSigningKeyPair();
  const organizationId = randomUUID();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase('identity_sessions');
    service = await startTestSubgraph(createIdentitySubgraph({ signingKey: keys.privateKey, publicKey: keys.publicKey }), db.url);
    base = new URL(service.url).origin;
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  async function newUser(): Promise<{ id: string; email: string }> {
    const em = service.orm.em.fork() as EntityManager;
    const email = `dr.${randomUUID().slice(0, 8)}@hospital.test`;
    const user = em.create(UserAccount, { email, passwordHash: await hashSecret(PASSWORD), role: 'physician', organizationId, displayName: 'Dr Test' });
    await em.flush();
    return { id: user.id, email };
  }
  /** A new session: its id (from the access token) and refresh token. */
  async function signIn(email: string): Promise<{ sessionId: string; refreshToken: string; accessToken: string }> {
    const { accessToken, refreshToken } = (await (await post('/auth/login', { email, password: PASSWORD })).json()) as { accessToken: string; refreshToken: string };
    const principal = await verifyAccessToken(accessToken, { publicKey: keys.publicKey });
    return { sessionId: (principal as { sessionId: string }).sessionId, refreshToken, accessToken };
  }
  const endedEvents = (userId: string) => withSql(db.url, (sql) =>
    sql(`select key, producer, payload from events.event where topic = $1 and key = $2 order by id`, [SESSION_ENDED_TOPIC, userId]));

  it('publishes logout', async () => {
    const user = await newUser();
    const session = await signIn(user.email);
    expect((await post('/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204);
    expect(await endedEvents(user.id)).toEqual([{ key: user.id, producer: 'identity', payload: { sessionId: session.sessionId, userId: user.id, reason: 'logout' } }]);
    // a second logout ends nothing more
    await post('/auth/logout', { refreshToken: session.refreshToken });
    expect(await endedEvents(user.id)).toHaveLength(1);
  });

  it('publishes the revocation of a session whose rotated-out refresh token came back (reuse)', async () => {
    const user = await newUser();
    const session = await signIn(user.email);
    expect((await post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(200);
    expect((await post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await endedEvents(user.id)).map((event) => event.payload)).toEqual([{ sessionId: session.sessionId, userId: user.id, reason: 'reuse' }]);
  });

  it("publishes every session an administrator's deactivation ends, and a password change ends the others but the caller's", async () => {
    const user = await newUser();
    const [first, second, third] = [await signIn(user.email), await signIn(user.email), await signIn(user.email)];
    const principal = { ...(await verifyAccessToken(first.accessToken, { publicKey: keys.publicKey })) } as ReturnType<typeof staff>;
    const changed = await graphql(service.url, `mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "a brand new long password") }`, {}, { principal });
    expect(changed.errors).toBeUndefined();
    expect((await endedEvents(user.id)).map((event) => [event.payload.sessionId, event.payload.reason]).sort())
      .toEqual([[second.sessionId, 'password_changed'], [third.sessionId, 'password_changed']].sort());

    const deactivated = await graphql(service.url, `mutation ($id: ID!) { deactivateUser(id: $id) { active } }`, { id: user.id }, { principal: staff('org_admin', organizationId) });
    expect(deactivated.errors).toBeUndefined();
    expect((await endedEvents(user.id)).slice(2).map((event) => event.payload)).toEqual([{ sessionId: first.sessionId, userId: user.id, reason: 'deactivated' }]);
  });
});
