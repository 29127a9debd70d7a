import { randomUUID } from 'node:crypto';
import { generateSigningKeyPair, signAccessToken, type Principal } from '@caregraph/platform';
import { auditRowsOf, insertRecordOfEachKind, type AuditRow } from './support/matrix-fixtures';
import { bearer, startTestPlatform, tokenFor, type TestPlatform } from './support/platform';
import { insertConsent, insertOrganization, insertPatient, partnerApp, patientUser, staff, type UserPrincipal } from './support/principals';
import { graphql } from './support/services';

/**
 * Who may read which part of whose record, through the gateway and at each subgraph directly,
 * and what the audit log says about it. Every actor acts for hospital A (patients act for
 * themselves). Patients: `own` is registered at A; the others are registered at B only —
 * `consented` gave A a consent covering everything, `unconsented` gave nothing, and `breakGlass`
 * is under the break-glass the A physician below started. Each has one encounter, one claim and
 * one chart comment, held by the hospital they are registered at; `consented`'s claim is billed by
 * A (billing sees only claims its own organization billed, consent or not).
 */

type TokenPrincipal = Extract<Principal, { kind: 'user' | 'client' }>;
type Actor = 'physician' | 'nurse' | 'billing' | 'org_admin' | 'compliance' | 'patient' | 'app patient/*.read' | 'app system/Claim.read';
type PatientKey = 'own' | 'consented' | 'unconsented' | 'breakGlass';
type RecordType = 'demographics' | 'clinical' | 'billing' | 'messaging';

const PATIENT_KEYS: readonly PatientKey[] = ['own', 'consented', 'unconsented', 'breakGlass'];
const RECORD_TYPES: readonly RecordType[] = ['demographics', 'clinical', 'billing', 'messaging'];

/**
 * The matrix. Letters: D demographics (`patient(id)`), C clinical (`Patient.encounters`),
 * B billing (`Patient.claims`), M messaging (`Patient.chartComments`); `.` = hidden, answered
 * exactly like an unknown id. Clinicians never see claims; break-glass belongs to the physician
 * who broke the glass (not to a nurse of the same hospital) and never opens billing; org admins
 * and compliance officers see demographics of registered patients only, consent or not.
 */
const MATRIX: Record<Actor, Record<PatientKey, string>> = {
  //                         own      consented  unconsented  breakGlass
  physician:               { own: 'DC.M', consented: 'DC.M', unconsented: '....', breakGlass: 'DC.M' },
  nurse:                   { own: 'DC.M', consented: 'DC.M', unconsented: '....', breakGlass: '....' },
  billing:                 { own: 'D.B.', consented: 'D.B.', unconsented: '....', breakGlass: '....' },
  org_admin:               { own: 'D...', consented: '....', unconsented: '....', breakGlass: '....' },
  compliance:              { own: 'D...', consented: '....', unconsented: '....', breakGlass: '....' },
  patient:                 { own: 'DCBM', consented: '....', unconsented: '....', breakGlass: '....' }, // `own`, signed in
  'app patient/*.read':    { own: 'DCBM', consented: 'DCBM', unconsented: '....', breakGlass: '....' },
  'app system/Claim.read': { own: 'D.B.', consented: 'D.B.', unconsented: '....', breakGlass: '....' },
};

/** The purpose a successful read is audited under (break-glass overrides it, see `purposeFor`). */
const PURPOSE: Record<Actor, string> = {
  physician: 'treatment', nurse: 'treatment', billing: 'payment', org_admin: 'operations', compliance: 'operations',
  patient: 'own-record', 'app patient/*.read': 'partner-app', 'app system/Claim.read': 'partner-app',
};

/** How each record type is asked for, where it lives and what the audit log calls it. */
const TYPES: Record<RecordType, { subgraph: 'patients' | 'clinical' | 'billing' | 'messaging'; field: string | null; auditType: string }> = {
  demographics: { subgraph: 'patients', field: null, auditType: 'Patient' },
  clinical: { subgraph: 'clinical', field: 'encounters', auditType: 'Encounter' },
  billing: { subgraph: 'billing', field: 'claims', auditType: 'Claim' },
  messaging: { subgraph: 'messaging', field: 'chartComments', auditType: 'ChartComment' },
};

const gatewayQuery = (type: RecordType) => {
  const field = TYPES[type].field;
  return `query ($id: ID!) { patient(id: $id) { id${field ? ` ${field} { totalCount }` : ''} } }`;
};
/** The same question put to the owning subgraph itself, as the gateway would put it. */
const directQuery = (type: RecordType) => {
  const field = TYPES[type].field;
  return field
    ? `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Patient { ${field} { totalCount } } } }`
    : `query ($id: ID!) { patient(id: $id) { id } }`;
};
const directVariables = (type: RecordType, id: string) =>
  TYPES[type].field ? { representations: [{ __typename: 'Patient', id }] } : { id };

interface Cell { actor: Actor; type: RecordType; patient: PatientKey; visible: boolean; outcome: 'visible' | 'hidden' }

const letterOf = (type: RecordType) => 'DCBM'[RECORD_TYPES.indexOf(type)];
const CELLS: Cell[] = (Object.keys(MATRIX) as Actor[]).flatMap((actor) =>
  PATIENT_KEYS.flatMap((patient) => RECORD_TYPES.map((type) => {
    const mark = MATRIX[actor][patient][RECORD_TYPES.indexOf(type)];
    if (mark !== '.' && mark !== letterOf(type)) throw new Error(`matrix typo at ${actor} / ${patient} / ${type}`);
    return { actor, type, patient, visible: mark !== '.', outcome: mark !== '.' ? 'visible' : 'hidden' } as Cell;
  })));

describe('authorization matrix: role × record type × patient, through the gateway and at each subgraph', () => {
  let platform: TestPlatform;
  let hospitalA: string;
  let hospitalB: string;
  const patients = {} as Record<PatientKey | 'revocable', string>;
  let revocableConsentId: string;
  let principals: Record<Actor, TokenPrincipal>;

  /** A gateway call, with the request id the gateway gave it (its subgraphs audit under it). */
  async function viaGateway(principal: TokenPrincipal, query: string, variables: Record<string, unknown>, authorization?: string) {
    const response = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization ?? (await bearer(principal)).authorization },
      body: JSON.stringify({ query, variables }),
    });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] }, requestId: requestId! };
  }

  /** A call straight to one subgraph, carrying the assertion the gateway would send, under a fresh request id. */
  async function viaSubgraph(subgraph: keyof TestPlatform['subgraphs'], principal: TokenPrincipal, query: string, variables: Record<string, unknown>) {
    const requestId = randomUUID();
    const response = await graphql(platform.subgraphs[subgraph].url, query, variables, { principal, headers: { 'x-request-id': requestId } });
    return { ...response, requestId };
  }

  const purposeFor = (actor: Actor, patient: PatientKey) => (actor === 'physician' && patient === 'breakGlass' ? 'break-glass' : PURPOSE[actor]);

  /** The audit row one service writes for one (request, patient, outcome). */
  function expectedRow(actor: Actor, patient: PatientKey, service: string, recordType: string, allowed: boolean) {
    const principal = principals[actor];
    const underBreakGlass = allowed && purposeFor(actor, patient) === 'break-glass';
    return {
      service,
      action: 'read',
      outcome: allowed ? 'success' : 'denied',
      patient_id: patients[patient],
      record_types: [recordType],
      actor_type: principal.kind,
      actor_id: principal.kind === 'user' ? principal.userId : principal.clientId,
      actor_role: principal.kind === 'user' ? principal.role : null,
      actor_organization_id: principal.organizationId,
      // why a refused attempt was made is not asserted; a read states its purpose
      ...(allowed ? { purpose: purposeFor(actor, patient) } : {}),
      break_glass: underBreakGlass ? 'true' : null,
    } satisfies Partial<AuditRow>;
  }

  beforeAll(async () => {
    platform = await startTestPlatform('authorization-matrix');
    const { url } = platform.db;
    hospitalA = await insertOrganization(url, 'Hospital A');
    hospitalB = await insertOrganization(url, 'Hospital B');
    patients.own = await insertPatient(url, [hospitalA]);
    for (const key of ['consented', 'unconsented', 'breakGlass', 'revocable'] as const) patients[key] = await insertPatient(url, [hospitalB]);
    await insertConsent(url, patients.consented, hospitalA, 'all');
    revocableConsentId = await insertConsent(url, patients.revocable, hospitalA, 'all');
    for (const key of Object.keys(patients) as (keyof typeof patients)[]) {
      await insertRecordOfEachKind(url, patients[key], key === 'own' ? hospitalA : hospitalB, key === 'own' || key === 'consented' ? hospitalA : hospitalB);
    }

    principals = {
      physician: staff('physician', hospitalA),
      nurse: staff('nurse', hospitalA),
      billing: staff('billing', hospitalA),
      org_admin: staff('org_admin', hospitalA),
      compliance: staff('compliance', hospitalA),
      patient: patientUser(patients.own),
      'app patient/*.read': partnerApp(hospitalA, ['patient/*.read']) as TokenPrincipal,
      'app system/Claim.read': partnerApp(hospitalA, ['system/Claim.read']) as TokenPrincipal,
    };

    // the A physician breaks the glass through the real mutation
    const started = await viaGateway(principals.physician, `mutation ($patientId: ID!, $reason: String!) {
      breakGlass(patientId: $patientId, reason: $reason) { patientId expiresAt } }`,
    { patientId: patients.breakGlass, reason: 'Unconscious in the emergency department' });
    expect(started.body.errors).toBeUndefined();
    expect(started.body.data.breakGlass.patientId).toBe(patients.breakGlass);
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('covers every role × record type × patient', () => {
    expect(CELLS).toHaveLength(8 * 4 * 4);
  });

  describe('through the gateway', () => {
    it.each(CELLS)('$actor × $type × $patient → $outcome', async ({ actor, type, patient, visible }) => {
      const principal = principals[actor];
      const id = patients[patient];
      const demographicsVisible = MATRIX[actor][patient].startsWith('D');
      const { field, subgraph, auditType } = TYPES[type];

      const response = await viaGateway(principal, gatewayQuery(type), { id });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      // the gateway only asks the other subgraphs about a patient the patients subgraph returned
      const expectedPatient = !demographicsVisible ? null
        : field ? { id, [field]: visible ? { totalCount: 1 } : null }
          : { id };
      expect(response.body.data).toEqual({ patient: expectedPatient });
      if (!demographicsVisible) {
        // a hidden patient is indistinguishable from one that does not exist
        expect(response.body).toEqual((await viaGateway(principal, gatewayQuery(type), { id: randomUUID() })).body);
      }

      const expectedRows = [expectedRow(actor, patient, 'patients', 'Patient', demographicsVisible)];
      if (field && demographicsVisible) expectedRows.push(expectedRow(actor, patient, subgraph, auditType, visible));
      const rows = await auditRowsOf(platform.db.url, response.requestId);
      expect(rows).toHaveLength(expectedRows.length);
      expect(rows).toEqual(expect.arrayContaining(expectedRows.map((row) => expect.objectContaining(row))));
    });
  });

  describe('calling the owning subgraph directly: the same answers', () => {
    it.each(CELLS)('$actor × $type × $patient → $outcome', async ({ actor, type, patient, visible }) => {
      const principal = principals[actor];
      const id = patients[patient];
      const { field, subgraph, auditType } = TYPES[type];

      const response = await viaSubgraph(subgraph, principal, directQuery(type), directVariables(type, id));
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      const expected = field ? { _entities: [{ [field]: visible ? { totalCount: 1 } : null }] } : { patient: visible ? { id } : null };
      expect(response.data).toEqual(expected);
      if (!visible) {
        const unknown = await viaSubgraph(subgraph, principal, directQuery(type), directVariables(type, randomUUID()));
        expect({ data: response.data, errors: response.errors }).toEqual({ data: unknown.data, errors: unknown.errors });
      }

      const rows = await auditRowsOf(platform.db.url, response.requestId);
      expect(rows).toEqual([expect.objectContaining(expectedRow(actor, patient, subgraph, auditType, visible))]);
    });
  });

  describe('consent revocation', () => {
    const READ = `query ($id: ID!) { patient(id: $id) { id encounters { totalCount } } }`;

    it('takes effect on the very next request of the organization it was given to', async () => {
      const physician = principals.physician as UserPrincipal;
      const id = patients.revocable;
      const before = await viaGateway(physician, READ, { id });
      expect(before.body).toEqual({ data: { patient: { id, encounters: { totalCount: 1 } } } });

      const revoked = await viaGateway(patientUser(id), `mutation ($id: ID!) { revokeConsent(id: $id) { id active revokedAt } }`, { id: revocableConsentId });
      expect(revoked.body.errors).toBeUndefined();
      expect(revoked.body.data.revokeConsent).toMatchObject({ id: revocableConsentId, active: false, revokedAt: expect.any(String) });

      const after = await viaGateway(physician, READ, { id });
      expect(after.body).toEqual({ data: { patient: null } });
      expect(await auditRowsOf(platform.db.url, after.requestId)).toEqual([
        expect.objectContaining({ service: 'patients', outcome: 'denied', patient_id: id, record_types: ['Patient'], actor_id: physician.userId }),
      ]);
      // and at the clinical subgraph itself
      const direct = await viaSubgraph('clinical', physician, directQuery('clinical'), directVariables('clinical', id));
      expect(direct.data).toEqual({ _entities: [{ encounters: null }] });
    });
  });

  describe('tokens the gateway must refuse', () => {
    const READ = `query ($id: ID!) { patient(id: $id) { id } }`;

    it.each([
      ['expired', async () => `Bearer ${await tokenFor(principals.physician, { now: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 })}`, 'expired'],
      ['garbage', async () => 'Bearer not-a-token', 'malformed'],
      ['forged (another key)', async () => `Bearer ${await signAccessToken(principals.physician, { privateKey: generateSigningKeyPair().privateKey })}`, 'invalid_signature'],
    ])('%s token → 401 without data, audited with its reason', async (_name, authorization, reason) => {
      const response = await viaGateway(principals.physician, READ, { id: patients.own }, await authorization());
      expect(response.status).toBe(401);
      // one answer for every kind of bad token: the caller learns nothing about why
      expect(response.body).toEqual({ errors: [{ message: 'Invalid or expired access token', extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(await auditRowsOf(platform.db.url, response.requestId)).toEqual([
        expect.objectContaining({ service: 'gateway', action: 'unauthenticated', outcome: 'denied', actor_type: 'anonymous', patient_id: null, reason }),
      ]);
    });
  });
});
