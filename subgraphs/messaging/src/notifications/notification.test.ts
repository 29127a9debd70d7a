import { randomUUID } from 'node:crypto';
import { publishEvents, type EntityManager, type NewEvent, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { eventually } from '../../../../test/support/eventually';
import { insertClinician, messagingWithHub, recordingLiveHub, type RecordingLiveHub } from '../../../../test/support/messaging';
import { insertConsent, insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { ACCESS_NARROWING_TOPIC } from '../access-narrowing/access-narrowing.consumer';
import { ACCOUNT_TOPIC, PATIENT_REGISTRATIONS_TOPIC } from '../directory/directory.events';
import type { ChartCommentMentionPayload } from '../comment/comment-events';
import { MENTION_TOPIC } from './mentions';
import { CARE_GAP_OPENED_TOPIC, MONITORING_ALERT_TOPIC } from './notification.consumer';

const NOTIFICATIONS = `query ($first: Int, $after: String, $unreadOnly: Boolean) { myNotifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
  unreadCount totalCount edges { node { id kind patient { id } createdAt readAt
    mention { commentId authorUserId } monitoringAlert { alertId code direction organizationId } careGap { ruleId ruleCode status dueDate } } }
  pageInfo { hasNextPage endCursor } } }`;
const MARK = `mutation ($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked unreadCount } }`;

describe('messaging subgraph: notifications', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let live: RecordingLiveHub;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    db = await createTestDatabase('notifications');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    live = recordingLiveHub();
    service = await startTestSubgraph(messagingWithHub(live), db.url);
    orgA = await insertOrganization(db.url);
    orgB = await insertOrganization(db.url);
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const ok = (principal: UserPrincipal, query: string, variables: Record<string, unknown> = {}) => graphqlOk(service.url, query, variables, { principal });
  const notificationsOf = async (principal: UserPrincipal, variables: Record<string, unknown> = {}) => (await ok(principal, NOTIFICATIONS, variables)).myNotifications;
  const pushed = (hub: RecordingLiveHub, userId: string) => hub.toUsers.filter((entry) => entry.userId === userId && entry.event === 'notification:new').map((entry) => entry.payload);
  /** Notification rows, as fixtures (the behaviour under test here is reading and marking them). */
  const seed = (userId: string, patientId: string | null, createdAt: string) => withSql(db.url, (sql) => sql(
    `insert into messaging.notification (id, user_id, kind, patient_id, refs, source_key, created_at)
     values (gen_random_uuid(), $1, 'care-gap', $2, $3, $4, $5) returning id`,
    [userId, patientId, { ruleId: randomUUID(), ruleCode: 'influenza-vaccine', status: 'DUE', dueDate: '2026-12-01' }, `seed:${randomUUID()}`, createdAt],
  )).then((rows) => rows[0].id as string);
  const publish = (events: Omit<NewEvent, 'producer'>[], producer = 'test') =>
    publishEvents(service.orm.em.fork() as EntityManager, events.map((event) => ({ ...event, producer })));

  describe('myNotifications and markNotificationsRead', () => {
    it('pages newest first with the unread count, and marks some, then all, read (live: notification:read)', async () => {
      const me = await insertClinician(db.url, orgA);
      const patientId = await insertPatient(db.url, [orgA]);
      const ids: string[] = [];
      for (const day of ['2026-11-01', '2026-11-03', '2026-11-02']) ids.push(await seed(me.userId, patientId, `${day}T10:00:00Z`));
      const someoneElse = await seed((await insertClinician(db.url, orgA)).userId, patientId, '2026-11-04T10:00:00Z');

      const first = await notificationsOf(me, { first: 2 });
      expect(first).toMatchObject({ unreadCount: 3, totalCount: 3, pageInfo: { hasNextPage: true } });
      expect(first.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[1], ids[2]]);
      expect(first.edges[0].node).toMatchObject({ kind: 'CARE_GAP', patient: { id: patientId }, readAt: null, careGap: { ruleCode: 'influenza-vaccine', status: 'DUE' }, mention: null });
      const second = await notificationsOf(me, { first: 2, after: first.pageInfo.endCursor });
      expect(second.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[0]]);

      expect((await ok(me, MARK, { input: { ids: [ids[1]] } })).markNotificationsRead).toEqual({ marked: 1, unreadCount: 2 });
      expect(live.toUsers.filter((entry) => entry.userId === me.userId && entry.event === 'notification:read').at(-1)?.payload).toEqual({ ids: [ids[1]], unreadCount: 2 });
      const unread = await notificationsOf(me, { unreadOnly: true });
      expect(unread.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[2], ids[0]]);

      // another user's notification: NOT_FOUND, and nothing of the request changes
      const foreign = await graphql(service.url, MARK, { input: { ids: [ids[2], someoneElse] } }, { principal: me });
      expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'ids' });
      expect((await notificationsOf(me)).unreadCount).toBe(2);
      const neither = await graphql(service.url, MARK, { input: {} }, { principal: me });
      expect(neither.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });

      expect((await ok(me, MARK, { input: { all: true } })).markNotificationsRead).toEqual({ marked: 2, unreadCount: 0 });
      expect((await notificationsOf(me)).edges.every((edge: { node: { readAt: string | null } }) => edge.node.readAt)).toBe(true);
    });

    it('leaves out of pages and counts the notifications of a patient the user may no longer see', async () => {
      const me = await insertClinician(db.url, orgB);
      const patientId = await insertPatient(db.url, [orgA]);
      const consentId = await insertConsent(db.url, patientId, orgB, 'clinical');
      const visible = await seed(me.userId, patientId, '2026-11-05T10:00:00Z');
      expect((await notificationsOf(me)).unreadCount).toBe(1);
      await withSql(db.url, (sql) => sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]));
      const after = await notificationsOf(me);
      expect(after.unreadCount).toBe(0);
      expect(after.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(visible);
    });
  });

  describe('mentions (the comment service\'s outbox event)', () => {
    /** What the comment service publishes (comment/comment-events.ts) for a new comment. */
    const mentionPayload = (commentId: string, patientId: string, author: UserPrincipal, practitionerIds: string[]): ChartCommentMentionPayload => ({
      commentId, patientId, version: 1, practitionerIds, author: { userId: author.userId, role: author.role, organizationId: author.organizationId! }, occurredAt: new Date().toISOString(),
    });

    it('notifies the active clinician accounts of the mentioned practitioners, not the author, once per comment, live after commit', async () => {
      const patientId = await insertPatient(db.url, [orgA]);
      const [colleagueId, sharedId, authorPractitionerId] = [randomUUID(), randomUUID(), randomUUID()];
      const author = await insertClinician(db.url, orgA, { practitionerId: authorPractitionerId });
      const colleague = await insertClinician(db.url, orgA, { role: 'nurse', practitionerId: colleagueId });
      const inactive = await insertClinician(db.url, orgA, { practitionerId: sharedId, active: false });
      const commentId = randomUUID();
      const mention = (practitionerIds: string[]) =>
        ({ topic: MENTION_TOPIC, key: patientId, payload: mentionPayload(commentId, patientId, author, practitionerIds) });

      await publish([mention([colleagueId, sharedId, authorPractitionerId])], 'messaging');
      const mine = await eventually(async () => {
        const page = await notificationsOf(colleague);
        return page.edges.length ? page : null;
      }, 'the mention notification');
      expect(mine.edges).toHaveLength(1);
      expect(mine.edges[0].node).toMatchObject({ kind: 'MENTION', patient: { id: patientId }, mention: { commentId, authorUserId: author.userId }, careGap: null });
      await eventually(() => pushed(live, colleague.userId).length === 1, 'live delivery');
      expect(pushed(live, colleague.userId)).toEqual([expect.objectContaining({ id: mine.edges[0].node.id, kind: 'MENTION', patientId, mention: { commentId, authorUserId: author.userId } })]);
      expect((await notificationsOf(author)).edges).toHaveLength(0);
      expect((await notificationsOf(inactive)).edges).toHaveLength(0);

      // an edit reporting the same practitioner again notifies nobody twice
      const [again] = await publish([mention([colleagueId])], 'messaging');
      await eventually(async () => Number((await withSql(db.url, (sql) => sql(`select last_id from events.consumer_offset where consumer = 'messaging.notifications' and topic = $1`, [MENTION_TOPIC])))[0]?.last_id ?? 0) >= Number(again), 'the repeat to be consumed');
      expect((await notificationsOf(colleague)).edges).toHaveLength(1);
      expect(pushed(live, colleague.userId)).toHaveLength(1);
    });

    it('a mentioned clinician who may not see the patient is never shown the notification', async () => {
      const patientId = await insertPatient(db.url, [orgA]);
      const author = await insertClinician(db.url, orgA);
      const practitionerId = randomUUID();
      const outsider = await insertClinician(db.url, orgB, { practitionerId });
      const commentId = randomUUID();
      await publish([{ topic: MENTION_TOPIC, key: patientId, payload: mentionPayload(commentId, patientId, author, [practitionerId]) }], 'messaging');
      await eventually(async () => (await withSql(db.url, (sql) => sql('select 1 from messaging.notification where source_key = $1', [`mention:${commentId}`]))).length, 'the stored mention');
      const page = await notificationsOf(outsider);
      expect(page.edges).toHaveLength(0);
      expect(page.unreadCount).toBe(0);
    });
  });

  describe('clinical alerts reach the care team (consumed events)', () => {
    /** The directory and registrations as identity and patients would publish them, and the care team they make. */
    async function careTeamOf(organizationIds: string[], patientId: string = randomUUID()) {
      const accounts = (role: string, organizationId: string, active = true) =>
        ({ userId: randomUUID(), role, organizationId, practitionerId: null, displayName: `${role} ${organizationId.slice(0, 4)}`, active });
      const team = organizationIds.flatMap((organizationId) => [accounts('physician', organizationId), accounts('nurse', organizationId)]);
      const others = [accounts('billing', organizationIds[0]), accounts('physician', organizationIds[0], false), accounts('physician', randomUUID())];
      await publish([
        ...[...team, ...others].map((payload) => ({ topic: ACCOUNT_TOPIC, key: payload.userId, payload })),
        { topic: PATIENT_REGISTRATIONS_TOPIC, key: patientId, payload: { patientId, organizationIds } },
      ]);
      return { patientId, team: team.map((member) => member.userId), others: others.map((other) => other.userId) };
    }
    const notificationRows = (sourceKey: string) => withSql(db.url, (sql) => sql(
      'select user_id, kind, patient_id, refs from messaging.notification where source_key = $1 order by user_id', [sourceKey]));

    it('a monitoring alert: one notification per physician and nurse of every organization holding the patient, delivered live', async () => {
      const [first, second] = [randomUUID(), randomUUID()];
      const { patientId, team, others } = await careTeamOf([first, second]);
      const alertId = randomUUID();
      await publish([{ topic: MONITORING_ALERT_TOPIC, key: patientId, payload: { alertId, patientId, organizationId: first, code: '8480-6', kind: 'HIGH' } }], 'clinical');
      const rows = await eventually(async () => {
        const found = await notificationRows(`monitoring-alert:${alertId}`);
        return found.length ? found : undefined;
      }, 'the alert notifications');
      expect(rows.map((row) => row.user_id).sort()).toEqual([...team].sort());
      expect(rows.every((row) => row.kind === 'monitoring-alert' && row.patient_id === patientId)).toBe(true);
      for (const userId of team) {
        await eventually(() => pushed(live, userId).some((payload) => payload.monitoringAlert?.alertId === alertId), 'live delivery');
        expect(pushed(live, userId).find((payload) => payload.monitoringAlert?.alertId === alertId))
          .toMatchObject({ kind: 'MONITORING_ALERT', patientId, monitoringAlert: { alertId, code: '8480-6', direction: 'HIGH', organizationId: first } });
      }
      for (const userId of others) expect(pushed(live, userId)).toHaveLength(0);
    });

    it('a care gap opened: the same care team is notified', async () => {
      const { patientId, team } = await careTeamOf([randomUUID()]);
      const ruleId = randomUUID();
      const [eventId] = await publish([{ topic: CARE_GAP_OPENED_TOPIC, key: patientId, payload: { patientId, ruleId, ruleCode: 'hba1c-diabetes', status: 'OVERDUE', dueDate: '2026-10-01' } }], 'clinical');
      const rows = await eventually(async () => {
        const found = await notificationRows(`care-gap:${eventId}`);
        return found.length ? found : undefined;
      }, 'the care-gap notifications');
      expect(rows.map((row) => row.user_id).sort()).toEqual([...team].sort());
      expect(rows[0].refs).toEqual({ ruleId, ruleCode: 'hba1c-diabetes', status: 'OVERDUE', dueDate: '2026-10-01' });
      await eventually(() => team.every((userId) => pushed(live, userId).some((payload) => payload.careGap?.ruleId === ruleId)), 'live delivery');
    });

    it('events read together keep their order: each alert goes to the care team of its moment, the latest registrations stay', async () => {
      const [first, second] = [randomUUID(), randomUUID()];
      const { patientId, team } = await careTeamOf([first]);
      const { team: later } = await careTeamOf([second]);
      const [alertOne, alertTwo] = [randomUUID(), randomUUID()];
      const alert = (alertId: string) => ({ topic: MONITORING_ALERT_TOPIC, key: patientId, payload: { alertId, patientId, organizationId: first, code: '8480-6', kind: 'HIGH' } });
      const registrations = (organizationIds: string[]) => ({ topic: PATIENT_REGISTRATIONS_TOPIC, key: patientId, payload: { patientId, organizationIds } });
      // one transaction of the producer: the consumer reads them in one batch
      await publish([alert(alertOne), registrations([first, second]), registrations([second]), alert(alertTwo)]);
      const recipients = async (alertId: string) => (await notificationRows(`monitoring-alert:${alertId}`)).map((row) => row.user_id).sort();
      await eventually(async () => (await recipients(alertTwo)).length, 'the second alert');
      expect(await recipients(alertOne)).toEqual([...team].sort());
      expect(await recipients(alertTwo)).toEqual([...later].sort());
      expect((await withSql(db.url, (sql) => sql('select organization_id from messaging.patient_registration where patient_id = $1', [patientId]))).map((row) => row.organization_id)).toEqual([second]);
    });

    it('what is published while messaging is stopped is notified (and delivered live) once it starts again', async () => {
      const organizationId = await insertOrganization(db.url);
      const { patientId, team } = await careTeamOf([organizationId], await insertPatient(db.url, [organizationId]));
      await eventually(async () => (await withSql(db.url, (sql) => sql('select count(*)::int as n from messaging.patient_registration where patient_id = $1', [patientId])))[0].n === 1, 'the registration copy');
      await service.close();
      const alertId = randomUUID();
      await publishEvents(patients.orm.em.fork() as EntityManager, [{ topic: MONITORING_ALERT_TOPIC, key: patientId, producer: 'clinical', payload: { alertId, patientId, organizationId, code: '2339-0', kind: 'LOW' } }]);
      expect(await notificationRows(`monitoring-alert:${alertId}`)).toHaveLength(0);

      live = recordingLiveHub();
      service = await startTestSubgraph(messagingWithHub(live), db.url);
      await eventually(async () => (await notificationRows(`monitoring-alert:${alertId}`)).length === team.length, 'the notifications after the restart');
      await eventually(() => team.every((userId) => pushed(live, userId).some((payload) => payload.monitoringAlert?.alertId === alertId)), 'live delivery after the restart');
      const [member] = team;
      const mine = await notificationsOf(staff('physician', organizationId, member));
      expect(mine.edges.map((edge: { node: { monitoringAlert: { alertId: string } | null } }) => edge.node.monitoringAlert?.alertId)).toContain(alertId);
    });
  });

  describe('access narrowing: chart rooms are decided again', () => {
    const narrowing = (patientId: string, effectiveAt: Date) =>
      ({ topic: ACCESS_NARROWING_TOPIC, key: patientId, payload: { patientId, reason: 'consent-revoked', effectiveAt: effectiveAt.toISOString(), organizationId: orgA, userId: null } });
    const pending = (patientId: string) => withSql(db.url, (sql) => sql('select due_at from messaging.access_recheck where patient_id = $1', [patientId]));

    it('at once for a narrowing in effect now', async () => {
      const patientId = randomUUID();
      await publish([narrowing(patientId, new Date())], 'patients');
      await eventually(() => live.rechecks.includes(patientId), 'the recheck');
      expect(await pending(patientId)).toHaveLength(0);
    });

    it('at its time for a later one, stored so that a restart in between does not lose it', async () => {
      const soon = randomUUID();
      const later = randomUUID();
      await publish([narrowing(soon, new Date(Date.now() + 1_500)), narrowing(later, new Date(Date.now() + 4_000))], 'patients');
      await eventually(async () => (await pending(later)).length === 1, 'the stored recheck');
      expect(live.rechecks).not.toContain(soon);
      await eventually(() => live.rechecks.includes(soon), 'the recheck when due', 5_000);
      expect(live.rechecks).not.toContain(later);
      expect(await pending(soon)).toHaveLength(0);

      await service.close();
      live = recordingLiveHub();
      service = await startTestSubgraph(messagingWithHub(live), db.url);
      await eventually(() => live.rechecks.includes(later), 'the recheck after the restart', 8_000);
      expect(await pending(later)).toHaveLength(0);
      expect(live.rechecks.filter((id) => id === soon)).toHaveLength(0); // done before, not again
    });
  });
});
