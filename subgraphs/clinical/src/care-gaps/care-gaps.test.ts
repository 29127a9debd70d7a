import { randomUUID } from 'node:crypto';
import { createLogger, publishEvent, type EntityManager } from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import type { Bundle, Condition, DiagnosticReport, Encounter, Immunization, Patient, Procedure, Resource } from '@medplum/fhirtypes';
import { startChartServices, type ChartServices } from '../../../../test/support/chart-services';
import { insertOrganization, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { eventsConsumed } from '../../../../test/support/events';
import { graphql, graphqlOk } from '../../../../test/support/services';
import { fixtureBundles, providerOf, refId, resourcesOf } from '../../../../test/support/synthea';
import { PATIENT_REGISTRATIONS_TOPIC as CONSUMED_TOPIC } from '../patient-facts';
import { PATIENT_REGISTRATIONS_TOPIC as PRODUCED_TOPIC } from '../../../patients/src/registration/registration-events';
import { recomputeCareGaps } from './care-gap.recompute';

jest.setTimeout(180_000);

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

// ---- calendar days (UTC), with PostgreSQL's month arithmetic (Jan 31 + 1 month = Feb 28) ----
const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const dayOf = (instant: string | Date) => new Date(instant).toISOString().slice(0, 10);
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d, lastDay))).toISOString().slice(0, 10);
}
/** An instant `months` months before today, at noon UTC (a day the API and this test agree on). */
const monthsAgo = (months: number, days = 0) => `${addDays(addMonths(today(), -months), -days)}T12:00:00.000Z`;
/** The birth date of someone who turns `years` today minus `days` days (days > 0: a little older). */
const bornYearsAgo = (years: number, days = 0) => addDays(addMonths(today(), -12 * years), -days);

// ---- the API ----
const GAP = `rule { code } status reason lastMetAt lastMetBy { type id organization { id } } dueDate evaluatedAt`;
const CARE_GAPS = `query ($id: ID!, $asOf: DateTimeISO, $met: Boolean, $na: Boolean) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { careGaps(asOf: $asOf, includeMet: $met, includeNotApplicable: $na) { ${GAP} } } } }`;
const POPULATION = `query ($ruleCode: String, $status: CareGapStatus, $asOf: DateTimeISO, $first: Int!, $after: String) {
  careGapPatients(ruleCode: $ruleCode, status: $status, asOf: $asOf, first: $first, after: $after) {
    totalCount edges { cursor node { patient { id } firstDueDate gaps { ${GAP} } } } pageInfo { hasNextPage endCursor } } }`;

interface Gap {
  rule: { code: string };
  status: 'DUE' | 'OVERDUE' | 'MET' | 'NOT_APPLICABLE';
  reason: string;
  lastMetAt: string | null;
  lastMetBy: { type: string; id: string; organization: { id: string } | null } | null;
  dueDate: string | null;
  evaluatedAt: string;
}

describe('care gaps', () => {
  let services: ChartServices;
  let org: string;
  let physician: UserPrincipal;

  /** Until the clinical consumer has applied every event published so far (demographics, registrations). */
  /** Runs `work` while the clinical consumer is held (its offset rows locked): what changes meanwhile is not its doing. */
  async function withConsumerHeld<T>(work: () => Promise<T>): Promise<T> {
    return withSql(services.db.url, async (sql) => {
      await sql('begin');
      try {
        await sql(`select * from events.consumer_offset where consumer = 'clinical.patient-facts' for update`);
        return await work();
      } finally {
        await sql('commit');
      }
    });
  }

  async function careGaps(patientId: string, options: { asOf?: string; met?: boolean; na?: boolean; principal?: UserPrincipal } = {}): Promise<Gap[] | null> {
    const { principal = physician, ...vars } = options;
    return (await graphqlOk(services.clinical.url, CARE_GAPS, { id: patientId, met: true, na: true, ...vars }, { principal }))._entities[0].careGaps;
  }
  async function gapOf(patientId: string, code: string, options: { asOf?: string; principal?: UserPrincipal } = {}): Promise<Gap> {
    const gap = (await careGaps(patientId, options))?.find((candidate) => candidate.rule.code === code);
    if (!gap) throw new Error(`no ${code} gap`);
    return gap;
  }

  /** A patient created through the patients API at `by`'s organization (so its events flow), with the clinical copy settled. */
  async function newPatient(birthDate: string | null, gender: 'FEMALE' | 'MALE' | 'OTHER', by: UserPrincipal = physician): Promise<string> {
    const { createPatient } = await graphqlOk(services.patients.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`,
      { input: { names: [{ family: 'Gap', given: ['Test'] }], birthDate, gender } }, { principal: by });
    await eventsConsumed(services.db.url);
    return createPatient.id;
  }

  const record = (mutation: string, input: Record<string, unknown>, principal: UserPrincipal = physician) =>
    graphqlOk(services.clinical.url, `mutation ($input: ${mutation[0].toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { id } }`, { input }, { principal });
  const immunize = (patientId: string, code: string, occurredAt: string) =>
    record('recordImmunization', { patientId, vaccineCode: { system: CVX, code }, occurredAt });
  const observe = (patientId: string, observation: Record<string, unknown>) => record('recordObservations', { patientId, observations: [observation] });
  const diagnose = (patientId: string, code: { system: string; code: string }, clinicalStatus = 'ACTIVE', onsetAt = monthsAgo(24)) =>
    record('recordCondition', { patientId, code, clinicalStatus, onsetAt, ...(clinicalStatus === 'RESOLVED' && { abatementAt: monthsAgo(1) }) });
  const bloodPressure = (effectiveAt: string) => ({
    code: { system: LOINC, code: '85354-9' }, effectiveAt,
    components: [{ code: { system: LOINC, code: '8480-6' }, value: 120, unit: 'mm[Hg]' }, { code: { system: LOINC, code: '8462-4' }, value: 80, unit: 'mm[Hg]' }],
  });
  const labResult = (code: string, effectiveAt: string) => ({ code: { system: LOINC, code }, category: 'LABORATORY', effectiveAt, valueCoding: { system: SNOMED, code: '260385009', display: 'Negative' } });

  /**
   * Imports procedures / diagnostic reports of a patient through the FHIR importer (there is no
   * mutation for them): a bundle with the patient as created, the organization and an encounter.
   */
  async function importChart(patientId: string, birthDate: string | null, gender: string, resources: Resource[]): Promise<void> {
    const encounterId = randomUUID();
    const ref = (id: string) => ({ reference: `urn:uuid:${id}` });
    const entries: Resource[] = [
      { resourceType: 'Patient', id: patientId, name: [{ family: 'Gap', given: ['Test'] }], gender: gender as Patient['gender'], ...(birthDate && { birthDate }) },
      { resourceType: 'Organization', id: org, name: 'Care Gap Clinic' },
      { resourceType: 'Encounter', id: encounterId, status: 'finished', class: { code: 'AMB' }, subject: ref(patientId), serviceProvider: ref(org), period: { start: monthsAgo(0, 1) } },
      ...resources.map((resource) => ({ ...resource, subject: ref(patientId), encounter: ref(encounterId) }) as Resource),
    ];
    const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', entry: entries.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })) };
    const importer = await createImporter({ databaseUrl: services.db.url, logger: createLogger('import', 'silent') });
    try {
      await importer.importBundle(bundle, 'care-gaps.json');
    } finally {
      await importer.close();
    }
  }
  const procedure = (code: string, performedDateTime: string): Procedure =>
    ({ resourceType: 'Procedure', id: randomUUID(), status: 'completed', code: { coding: [{ system: SNOMED, code }] }, performedDateTime } as Procedure);
  const report = (code: string, effectiveDateTime: string): DiagnosticReport =>
    ({ resourceType: 'DiagnosticReport', id: randomUUID(), status: 'final', code: { coding: [{ system: LOINC, code }] }, effectiveDateTime } as DiagnosticReport);

  beforeAll(async () => {
    services = await startChartServices('care_gaps');
    await eventsConsumed(services.db.url);
    org = await insertOrganization(services.db.url, 'Care Gap Clinic');
    physician = staff('physician', org);
  });
  afterAll(async () => {
    await services?.close();
  });

  it('careGapRules lists the six rules, each with its source', async () => {
    const { careGapRules } = await graphqlOk(services.clinical.url, '{ careGapRules { code title description source eligibility dueSoonDays } }', {}, { principal: physician });
    expect(careGapRules.map((rule: { code: string }) => rule.code)).toEqual([
      'blood-pressure-screening', 'cervical-cancer-screening', 'colorectal-cancer-screening', 'hba1c-diabetes', 'influenza-vaccine', 'lipid-panel-cardiovascular-risk',
    ]);
    for (const rule of careGapRules) {
      expect(rule.source).toMatch(/USPSTF|CDC|ADA|American Diabetes|ACC\/AHA/);
      expect(rule).toMatchObject({ title: expect.any(String), description: expect.any(String), eligibility: expect.any(String), dueSoonDays: 30 });
    }
    expect(CONSUMED_TOPIC).toBe(PRODUCED_TOPIC);
  });

  describe('the fixture patients, against what their FHIR bundles say', () => {
    const AS_OF = '2021-01-15';

    interface RuleSpec {
      code: string;
      fromMonths?: number;
      untilMonths?: number;
      conditions?: ReadonlySet<string>;
      /** FHIR type → code → interval in months */
      satisfiers: Record<string, Record<string, number>>;
    }
    const INFLUENZA: RuleSpec = { code: 'influenza-vaccine', fromMonths: 6, satisfiers: { Immunization: { 140: 12, 141: 12, 150: 12, 158: 12, 88: 12 } } };
    const COLORECTAL: RuleSpec = {
      code: 'colorectal-cancer-screening', fromMonths: 45 * 12, untilMonths: 76 * 12,
      satisfiers: { Procedure: { 73761001: 120, 1015401000000102: 12 }, Observation: { '57905-2': 12 } },
    };
    // the fixtures' cardiovascular risk conditions: hypertension, hyperlipidemia, coronary heart disease, heart failure, hypertriglyceridemia, diabetes
    const LIPIDS: RuleSpec = {
      code: 'lipid-panel-cardiovascular-risk', fromMonths: 18 * 12, conditions: new Set(['38341003', '55822004', '53741008', '88805009', '302870006', '44054006', '127013003']),
      satisfiers: { Observation: { '2093-3': 12, '18262-6': 12, '2085-9': 12, '2571-8': 12 }, DiagnosticReport: { '57698-3': 12 } },
    };

    const codeOf = (resource: { code?: { coding?: { code?: string }[] }; vaccineCode?: { coding?: { code?: string }[] } }) =>
      (resource.vaccineCode ?? resource.code)?.coding?.[0]?.code ?? '';
    const whenOf = (resource: any): string => resource.occurrenceDateTime ?? resource.performedDateTime ?? resource.performedPeriod?.start ?? resource.effectiveDateTime;
    const done = (resource: any) => ['completed', 'final'].includes(resource.status);
    /** A physician of an organization the fixture patient was seen at (so registered there). */
    const clinicianOf = (bundle: Bundle) => staff('physician', refId(resourcesOf<Encounter>('Encounter', bundle)[0].serviceProvider!.reference));

    /** The gap as the rule means it, computed from the bundle alone (the last record that met it is shown even when the rule does not apply). */
    function expected(bundle: Bundle, rule: RuleSpec) {
      let best: { until: string; at: string } | null = null;
      for (const [type, codes] of Object.entries(rule.satisfiers)) {
        for (const resource of resourcesOf(type as Resource['resourceType'], bundle) as any[]) {
          const months = codes[codeOf(resource)];
          if (!months || !done(resource)) continue;
          const metUntil = addMonths(dayOf(whenOf(resource)), months);
          if (!best || metUntil > best.until || (metUntil === best.until && whenOf(resource) > best.at)) best = { until: metUntil, at: whenOf(resource) };
        }
      }
      const lastMetAt = best ? new Date(best.at).toISOString() : null;
      const notApplicable = { status: 'NOT_APPLICABLE', dueDate: null, lastMetAt };
      const patient = resourcesOf<Patient>('Patient', bundle)[0];
      if (patient.deceasedDateTime) return notApplicable;
      const from = rule.fromMonths !== undefined ? addMonths(patient.birthDate!, rule.fromMonths) : null;
      const until = rule.untilMonths !== undefined ? addMonths(patient.birthDate!, rule.untilMonths) : null;
      if (until && until <= today()) return notApplicable;
      let eligibleFrom = from;
      if (rule.conditions) {
        const onsets = resourcesOf<Condition>('Condition', bundle)
          .filter((c) => rule.conditions!.has(codeOf(c)) && c.clinicalStatus?.coding?.[0]?.code === 'active')
          .map((c) => dayOf(c.onsetDateTime ?? c.recordedDate!));
        if (!onsets.length) return notApplicable;
        const since = onsets.sort()[0];
        eligibleFrom = eligibleFrom && eligibleFrom > since ? eligibleFrom : since;
      }
      const dueDate = [eligibleFrom, best?.until].filter(Boolean).sort().pop()!;
      const status = until && until <= AS_OF ? 'NOT_APPLICABLE'
        : dueDate < AS_OF ? 'OVERDUE'
          : dueDate <= addDays(AS_OF, 30) ? 'DUE'
            : eligibleFrom && eligibleFrom > AS_OF ? 'NOT_APPLICABLE' : 'MET';
      return { status, dueDate: status === 'NOT_APPLICABLE' ? null : dueDate, lastMetAt };
    }

    it.each([INFLUENZA, COLORECTAL, LIPIDS])('$code: status, due date and last time met of all 17 patients', async (rule) => {
      const statuses = new Set<string>();
      for (const bundle of fixtureBundles()) {
        const patientId = resourcesOf<Patient>('Patient', bundle)[0].id!.toLowerCase();
        const seenAt = clinicianOf(bundle);
        const gap = await gapOf(patientId, rule.code, { asOf: `${AS_OF}T12:00:00Z`, principal: seenAt });
        const want = expected(bundle, rule);
        expect({ patientId, status: gap.status, dueDate: gap.dueDate, lastMetAt: gap.lastMetAt }).toEqual({ patientId, ...want });
        statuses.add(gap.status);
      }
      // realistic: the fixtures hold patients in more than one state for each rule
      expect(statuses.size).toBeGreaterThan(1);
    });

    it('a deceased fixture patient has no gaps; every rule says why', async () => {
      const bundle = fixtureBundles().find((b) => resourcesOf<Patient>('Patient', b)[0].deceasedDateTime)!;
      const patientId = resourcesOf<Patient>('Patient', bundle)[0].id!.toLowerCase();
      const seenAt = clinicianOf(bundle);
      expect(await careGaps(patientId, { met: false, na: false, principal: seenAt })).toEqual([]);
      const all = (await careGaps(patientId, { principal: seenAt }))!;
      expect(all).toHaveLength(6);
      for (const gap of all) expect(gap).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'Not applicable: the patient is deceased', dueDate: null });
    });

    it('a met gap names the record that met it, and its organization', async () => {
      const bundle = fixtureBundles().find((b) => resourcesOf<Patient>('Patient', b)[0].name?.[0]?.family?.startsWith('Kohler'))!;
      const patientId = resourcesOf<Patient>('Patient', bundle)[0].id!.toLowerCase();
      const latest = resourcesOf<Immunization>('Immunization', bundle).filter((i) => codeOf(i) === '140').sort((a, b) => whenOf(b).localeCompare(whenOf(a)))[0];
      const gap = await gapOf(patientId, 'influenza-vaccine', { asOf: `${AS_OF}T12:00:00Z`, principal: staff('physician', providerOf(latest)) });
      expect(gap.lastMetBy).toEqual({ type: 'Immunization', id: latest.id!.toLowerCase(), organization: { id: providerOf(latest) } });
      expect(gap.reason).toBe(`Everyone 6 months and older; last influenza vaccine on ${dayOf(whenOf(latest))}, repeated every 12 months`);
    });
  });

  describe('influenza vaccine', () => {
    it('applies from 6 months of age', async () => {
      const birthDate = addDays(today(), -60);
      const baby = await newPatient(birthDate, 'FEMALE');
      const gap = await gapOf(baby, 'influenza-vaccine');
      expect(gap).toMatchObject({ status: 'NOT_APPLICABLE', dueDate: null, reason: `Not applicable on ${today()}: applies from ${addMonths(birthDate, 6)}` });
      // never vaccinated: due the day they became eligible
      const later = await gapOf(baby, 'influenza-vaccine', { asOf: `${addMonths(birthDate, 7)}T00:00:00Z` });
      expect(later).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(birthDate, 6), lastMetAt: null, lastMetBy: null, reason: 'Everyone 6 months and older; no influenza vaccine on record' });
    });

    it('recording an influenza vaccine through the mutation closes the gap at once', async () => {
      const patientId = await newPatient(bornYearsAgo(40), 'MALE');
      expect(await gapOf(patientId, 'influenza-vaccine')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(bornYearsAgo(40), 6) });
      const { recordImmunization } = await immunize(patientId, '140', monthsAgo(0, 3));
      // no waiting: the recompute committed with the immunization
      expect((await careGaps(patientId, { met: false, na: false }))!.map((gap) => gap.rule.code)).not.toContain('influenza-vaccine');
      expect(await gapOf(patientId, 'influenza-vaccine')).toMatchObject({
        status: 'MET', dueDate: addMonths(addDays(today(), -3), 12), lastMetAt: monthsAgo(0, 3),
        lastMetBy: { type: 'Immunization', id: recordImmunization.id, organization: { id: org } },
      });
    });

    it('a vaccine of 11 months 20 days ago is DUE, of 13 months ago OVERDUE; another vaccine does not count', async () => {
      const due = await newPatient(bornYearsAgo(30), 'FEMALE');
      await immunize(due, '150', monthsAgo(11, 20));
      expect(await gapOf(due, 'influenza-vaccine')).toMatchObject({ status: 'DUE', dueDate: addMonths(dayOf(monthsAgo(11, 20)), 12) });
      const overdue = await newPatient(bornYearsAgo(30), 'FEMALE');
      await immunize(overdue, '141', monthsAgo(13));
      await immunize(overdue, '113', monthsAgo(0, 1)); // Td: not an influenza vaccine
      expect(await gapOf(overdue, 'influenza-vaccine')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(13)), 12), lastMetAt: monthsAgo(13) });
    });
  });

  describe('blood pressure screening', () => {
    it('applies to adults only; a measurement meets it for 12 months', async () => {
      const teen = await newPatient(bornYearsAgo(17), 'MALE');
      expect((await gapOf(teen, 'blood-pressure-screening')).status).toBe('NOT_APPLICABLE');
      const newAdult = await newPatient(bornYearsAgo(18, 10), 'MALE');
      expect(await gapOf(newAdult, 'blood-pressure-screening')).toMatchObject({ status: 'OVERDUE', dueDate: addDays(today(), -10) });
      const adult = await newPatient(bornYearsAgo(30), 'MALE');
      await observe(adult, bloodPressure(monthsAgo(13)));
      expect(await gapOf(adult, 'blood-pressure-screening')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(13)), 12) });
      await observe(adult, bloodPressure(monthsAgo(2)));
      expect(await gapOf(adult, 'blood-pressure-screening')).toMatchObject({ status: 'MET', dueDate: addMonths(dayOf(monthsAgo(2)), 12), lastMetBy: { type: 'Observation' } });
    });
  });

  describe('colorectal cancer screening', () => {
    it('applies from 45 to 75', async () => {
      const young = await newPatient(bornYearsAgo(44), 'FEMALE');
      expect(await gapOf(young, 'colorectal-cancer-screening')).toMatchObject({ status: 'NOT_APPLICABLE', reason: `Not applicable on ${today()}: applies from ${addMonths(bornYearsAgo(44), 45 * 12)}` });
      expect(await gapOf(young, 'colorectal-cancer-screening', { asOf: `${addMonths(today(), 13)}T00:00:00Z` })).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(bornYearsAgo(44), 45 * 12) });
      const old = await newPatient(bornYearsAgo(76), 'FEMALE');
      expect(await gapOf(old, 'colorectal-cancer-screening')).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'Not applicable: past the age range (Adults 45 to 75)' });
    });

    it('a colonoscopy meets it for 10 years, a stool test for one; the one that lasts longer counts', async () => {
      const birthDate = bornYearsAgo(60);
      const patientId = await newPatient(birthDate, 'MALE');
      const colonoscopy = procedure('73761001', monthsAgo(11 * 12));
      // the import's own transaction recomputes it (the consumer, held, does not get to)
      await withConsumerHeld(async () => {
        await importChart(patientId, birthDate, 'male', [colonoscopy]);
        expect(await gapOf(patientId, 'colorectal-cancer-screening')).toMatchObject({
          status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(11 * 12)), 120), lastMetBy: { type: 'Procedure', id: colonoscopy.id, organization: { id: org } },
        });
      });
      await observe(patientId, labResult('57905-2', monthsAgo(2)));
      expect(await gapOf(patientId, 'colorectal-cancer-screening')).toMatchObject({ status: 'MET', dueDate: addMonths(dayOf(monthsAgo(2)), 12), lastMetBy: { type: 'Observation' } });
      const recent = procedure('73761001', monthsAgo(9 * 12));
      await importChart(patientId, birthDate, 'male', [recent]);
      expect(await gapOf(patientId, 'colorectal-cancer-screening')).toMatchObject({
        status: 'MET', dueDate: addMonths(dayOf(monthsAgo(9 * 12)), 120), lastMetBy: { type: 'Procedure', id: recent.id },
        reason: `Adults 45 to 75; last colonoscopy on ${dayOf(monthsAgo(9 * 12))}, repeated every 120 months`,
      });
    });
  });

  describe('cervical cancer screening', () => {
    it('applies to women 21 to 65', async () => {
      expect((await gapOf(await newPatient(bornYearsAgo(30), 'FEMALE'), 'cervical-cancer-screening')).status).toBe('OVERDUE');
      expect(await gapOf(await newPatient(bornYearsAgo(30), 'MALE'), 'cervical-cancer-screening')).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'Not applicable: for female patients only' });
      expect((await gapOf(await newPatient(bornYearsAgo(20), 'FEMALE'), 'cervical-cancer-screening')).status).toBe('NOT_APPLICABLE');
      expect((await gapOf(await newPatient(bornYearsAgo(66), 'FEMALE'), 'cervical-cancer-screening')).status).toBe('NOT_APPLICABLE');
    });

    it('cytology meets it for 3 years, an HPV test for 5', async () => {
      const birthDate = bornYearsAgo(40);
      const patientId = await newPatient(birthDate, 'FEMALE');
      await importChart(patientId, birthDate, 'female', [procedure('90226004', monthsAgo(4 * 12)), report('47527-7', monthsAgo(38))]);
      expect(await gapOf(patientId, 'cervical-cancer-screening')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(38)), 36), lastMetBy: { type: 'DiagnosticReport' } });
      await observe(patientId, labResult('59420-0', monthsAgo(4 * 12)));
      expect(await gapOf(patientId, 'cervical-cancer-screening')).toMatchObject({ status: 'MET', dueDate: addMonths(dayOf(monthsAgo(4 * 12)), 60), lastMetBy: { type: 'Observation' } });
    });
  });

  describe('HbA1c for diabetes', () => {
    it('applies with a current diabetes diagnosis (SNOMED, or ICD-10 with its subcodes), at any age', async () => {
      const patientId = await newPatient(bornYearsAgo(12), 'MALE');
      expect(await gapOf(patientId, 'hba1c-diabetes')).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'Not applicable: no current diabetes on record' });
      await diagnose(patientId, { system: SNOMED, code: '44054006' }, 'RESOLVED', monthsAgo(30));
      expect((await gapOf(patientId, 'hba1c-diabetes')).status).toBe('NOT_APPLICABLE');
      await diagnose(patientId, { system: ICD10, code: 'E11.9' }, 'ACTIVE', monthsAgo(24));
      // never tested: due since the diagnosis
      expect(await gapOf(patientId, 'hba1c-diabetes')).toMatchObject({ status: 'OVERDUE', dueDate: dayOf(monthsAgo(24)), reason: 'Patients with diabetes; no HbA1c test on record' });
      await observe(patientId, { code: { system: LOINC, code: '4548-4' }, effectiveAt: monthsAgo(7), value: 7.1, unit: '%' });
      expect(await gapOf(patientId, 'hba1c-diabetes')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(7)), 6) });
      await observe(patientId, { code: { system: LOINC, code: '4548-4' }, effectiveAt: monthsAgo(2), value: 6.8, unit: '%' });
      expect(await gapOf(patientId, 'hba1c-diabetes')).toMatchObject({ status: 'MET', dueDate: addMonths(dayOf(monthsAgo(2)), 6) });
    });
  });

  describe('lipid panel for cardiovascular risk', () => {
    it('applies to adults with a risk condition; a lipid panel report meets it for a year', async () => {
      const birthDate = bornYearsAgo(50);
      const patientId = await newPatient(birthDate, 'MALE');
      expect(await gapOf(patientId, 'lipid-panel-cardiovascular-risk')).toMatchObject({ status: 'NOT_APPLICABLE', reason: expect.stringMatching(/^Not applicable: no current cardiovascular risk condition/) });
      await diagnose(patientId, { system: SNOMED, code: '38341003' }); // hypertension
      expect(await gapOf(patientId, 'lipid-panel-cardiovascular-risk')).toMatchObject({ status: 'OVERDUE', dueDate: dayOf(monthsAgo(24)), lastMetAt: null });
      await observe(patientId, { code: { system: LOINC, code: '2093-3' }, category: 'LABORATORY', effectiveAt: monthsAgo(13), value: 190, unit: 'mg/dL' });
      expect(await gapOf(patientId, 'lipid-panel-cardiovascular-risk')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(dayOf(monthsAgo(13)), 12), lastMetBy: { type: 'Observation' } });
      await importChart(patientId, birthDate, 'male', [report('57698-3', monthsAgo(3))]);
      expect(await gapOf(patientId, 'lipid-panel-cardiovascular-risk')).toMatchObject({ status: 'MET', dueDate: addMonths(dayOf(monthsAgo(3)), 12), lastMetBy: { type: 'DiagnosticReport' } });
      const teen = await newPatient(bornYearsAgo(16), 'MALE');
      await diagnose(teen, { system: SNOMED, code: '38341003' });
      expect((await gapOf(teen, 'lipid-panel-cardiovascular-risk')).status).toBe('NOT_APPLICABLE');
    });
  });

  describe('demographics', () => {
    it('an unknown birth date: the age rules do not apply and say why; a condition rule still does', async () => {
      const patientId = await newPatient(null, 'FEMALE');
      await diagnose(patientId, { system: SNOMED, code: '44054006' });
      const gaps = new Map((await careGaps(patientId))!.map((gap) => [gap.rule.code, gap]));
      for (const code of ['influenza-vaccine', 'blood-pressure-screening', 'colorectal-cancer-screening', 'cervical-cancer-screening', 'lipid-panel-cardiovascular-risk']) {
        expect(gaps.get(code)).toMatchObject({ status: 'NOT_APPLICABLE', reason: expect.stringContaining('the birth date is not recorded, so the age criterion') });
      }
      expect(gaps.get('hba1c-diabetes')!.status).toBe('OVERDUE');
    });

    it('changing gender and birth date (updatePatient) changes which rules apply; death closes every gap', async () => {
      const patientId = await newPatient(bornYearsAgo(30), 'MALE');
      expect((await gapOf(patientId, 'cervical-cancer-screening')).status).toBe('NOT_APPLICABLE');
      expect((await gapOf(patientId, 'colorectal-cancer-screening')).status).toBe('NOT_APPLICABLE');
      const update = (input: Record<string, unknown>) =>
        graphqlOk(services.patients.url, `mutation ($input: UpdatePatientInput!) { updatePatient(input: $input) { id } }`, { input: { id: patientId, ...input } }, { principal: physician });
      await update({ gender: 'FEMALE', birthDate: bornYearsAgo(50) });
      await eventsConsumed(services.db.url);
      expect((await gapOf(patientId, 'cervical-cancer-screening')).status).toBe('OVERDUE');
      expect(await gapOf(patientId, 'colorectal-cancer-screening')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(bornYearsAgo(50), 45 * 12) });
      await update({ deceased: true });
      await eventsConsumed(services.db.url);
      expect(await careGaps(patientId, { met: false, na: false })).toEqual([]);
    });
  });

  describe('who may read them', () => {
    let patientId: string;
    beforeAll(async () => {
      patientId = await newPatient(bornYearsAgo(35), 'FEMALE');
    });

    it('the patient and clinicians who may see the chart; null for anyone else, as for an unknown patient', async () => {
      expect((await careGaps(patientId, { principal: patientUser(patientId) }))!.length).toBe(6);
      const elsewhere = staff('physician', await insertOrganization(services.db.url));
      expect(await careGaps(patientId, { principal: elsewhere })).toBeNull();
      expect(await careGaps(patientId, { principal: staff('billing', org) })).toBeNull();
      expect(await careGaps(randomUUID())).toBeNull();
    });

    it('each read is audited as a CareGap read of the patient', async () => {
      const reader = staff('nurse', org);
      await careGaps(patientId, { principal: reader });
      const rows = await withSql(services.db.url, (sql) => sql(
        `select action, outcome, record_types from audit.event where actor_id = $1 and patient_id = $2`, [reader.userId, patientId]));
      expect(rows).toEqual([expect.objectContaining({ action: 'read', outcome: 'success', record_types: ['CareGap'] })]);
    });
  });

  describe('careGapPatients: the organization\'s patients with open gaps', () => {
    let clinic: string;
    let doctor: UserPrincipal;
    let mine: string[];
    let theirs: string;

    const page = (variables: Record<string, unknown>, principal: UserPrincipal = doctor) =>
      graphql(services.clinical.url, POPULATION, { first: 50, ...variables }, { principal });
    const ids = (data: any) => data.careGapPatients.edges.map((edge: any) => edge.node.patient.id);

    beforeAll(async () => {
      clinic = await insertOrganization(services.db.url, 'Population Clinic');
      doctor = staff('physician', clinic);
      const create = (birthDate: string, gender: 'FEMALE' | 'MALE') => newPatient(birthDate, gender, doctor);
      mine = [await create(bornYearsAgo(30), 'FEMALE'), await create(bornYearsAgo(40), 'MALE'), await create(bornYearsAgo(50), 'MALE'), await create(bornYearsAgo(25), 'FEMALE'), await create(bornYearsAgo(60), 'FEMALE')];
      theirs = await newPatient(bornYearsAgo(70), 'MALE', staff('physician', await insertOrganization(services.db.url)));
      // influenza: due in 10 days for the first, met for the second, overdue for the others
      const asDoctor = (patientId: string, code: string, occurredAt: string) =>
        record('recordImmunization', { patientId, vaccineCode: { system: CVX, code }, occurredAt }, doctor);
      await asDoctor(mine[0], '140', monthsAgo(12, -10));
      await asDoctor(mine[1], '140', monthsAgo(1));
    });

    /** What each patient's own careGaps says is open, as the list must show it. */
    async function expectedList(filter: (gap: Gap) => boolean = () => true) {
      const rows = [];
      for (const patientId of mine) {
        const open = (await careGaps(patientId, { met: false, na: false, principal: doctor }))!.filter(filter);
        if (open.length) rows.push({ patientId, firstDueDate: open.map((gap) => gap.dueDate!).sort()[0], gaps: open });
      }
      return rows.sort((a, b) => a.firstDueDate.localeCompare(b.firstDueDate) || a.patientId.localeCompare(b.patientId));
    }

    it('lists only the organization\'s patients, most overdue first, each with its open gaps', async () => {
      const { data, errors } = await page({});
      expect(errors).toBeUndefined();
      const want = await expectedList();
      expect(want.length).toBe(5);
      expect(data.careGapPatients.totalCount).toBe(5);
      expect(data.careGapPatients.edges.map((edge: any) => ({ patientId: edge.node.patient.id, firstDueDate: edge.node.firstDueDate, gaps: edge.node.gaps.map((gap: Gap) => gap.rule.code) })))
        .toEqual(want.map((row) => ({ ...row, gaps: row.gaps.map((gap) => gap.rule.code) })));
      expect(ids(data)).not.toContain(theirs);
    });

    it('pages through the list without repeats', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const { data, errors }: any = await page({ first: 2, after });
        expect(errors).toBeUndefined();
        expect(data.careGapPatients.edges.length).toBeLessThanOrEqual(2);
        seen.push(...ids(data));
        after = data.careGapPatients.pageInfo.hasNextPage ? data.careGapPatients.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual((await expectedList()).map((row) => row.patientId));
    });

    it('filters by rule and by status', async () => {
      const flu = await page({ ruleCode: 'influenza-vaccine' });
      const fluWanted = await expectedList((gap) => gap.rule.code === 'influenza-vaccine');
      expect(ids(flu.data)).toEqual(fluWanted.map((row) => row.patientId));
      expect(ids(flu.data)).not.toContain(mine[1]); // vaccinated last month
      for (const edge of flu.data.careGapPatients.edges) expect(edge.node.gaps.map((gap: Gap) => gap.rule.code)).toEqual(['influenza-vaccine']);

      const due = await page({ ruleCode: 'influenza-vaccine', status: 'DUE' });
      expect(due.data.careGapPatients.edges.map((edge: any) => [edge.node.patient.id, edge.node.gaps[0].status])).toEqual([[mine[0], 'DUE']]);
      const overdue = await page({ status: 'OVERDUE' });
      expect(ids(overdue.data)).toEqual((await expectedList((gap) => gap.status === 'OVERDUE')).map((row) => row.patientId));
      for (const edge of overdue.data.careGapPatients.edges) for (const gap of edge.node.gaps) expect(gap.status).toBe('OVERDUE');
      // a year on, nothing of the first patient's influenza is DUE any more: it is OVERDUE
      const nextYear = await page({ ruleCode: 'influenza-vaccine', status: 'DUE', asOf: `${addMonths(today(), 12)}T00:00:00Z` });
      expect(ids(nextYear.data)).not.toContain(mine[0]);
    });

    it('refuses bad filters naming the argument', async () => {
      for (const [variables, field] of [[{ status: 'MET' }, 'status'], [{ ruleCode: 'no-such-rule' }, 'ruleCode'], [{ after: 'garbage' }, 'after']] as const) {
        const { errors } = await page(variables);
        expect(errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
    });

    it('is for clinicians: billing staff, organization admins and patients are refused', async () => {
      for (const principal of [staff('billing', clinic), staff('org_admin', clinic), patientUser(mine[0])]) {
        const { data, errors } = await page({}, principal);
        expect(data).toBeNull();
        expect(errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
    });

    it('never lists a patient the caller may not see, even when the registration copy says otherwise', async () => {
      // a stale copy: the clinic "registered" in clinical, not in the patients subgraph
      await withSql(services.db.url, (sql) => sql(`insert into clinical.patient_registration (organization_id, patient_id, last_event_id) values ($1, $2, 0)`, [clinic, theirs]));
      const { data } = await page({});
      expect(ids(data)).not.toContain(theirs);
      expect(ids(data)).toEqual((await expectedList()).map((row) => row.patientId));
    });

    it('follows registration changes: an inactivated registration leaves the list', async () => {
      const { _entities } = await graphqlOk(services.patients.url, `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { registrations { id organization { id } } } } }`,
        { id: mine[4] }, { principal: doctor });
      const registration = _entities[0].registrations.find((r: any) => r.organization.id === clinic);
      await graphqlOk(services.patients.url, `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id } }`,
        { input: { id: registration.id, status: 'INACTIVE' } }, { principal: staff('org_admin', clinic) });
      await eventsConsumed(services.db.url);
      expect(ids((await page({})).data)).not.toContain(mine[4]);
      const [copy] = await withSql(services.db.url, (sql) => sql(`select count(*)::int as n from clinical.patient_registration where patient_id = $1`, [mine[4]]));
      expect(copy.n).toBe(0);
    });

    it('keeps the newest registrations: an older event arriving after a newer one changes nothing', async () => {
      // as if a newer event had been applied already
      await withSql(services.db.url, (sql) => sql(`update clinical.patient_registration set last_event_id = last_event_id + 1000000 where patient_id = $1`, [mine[0]]));
      await publishEvent(services.patients.orm.em.fork() as EntityManager, { topic: PRODUCED_TOPIC, key: mine[0], producer: 'patients', payload: { patientId: mine[0], organizationIds: [] } });
      await eventsConsumed(services.db.url);
      expect(ids((await page({})).data)).toContain(mine[0]);
    });

    it('audits a read of each patient listed', async () => {
      const reader = staff('nurse', clinic);
      const listed = ids((await page({}, reader)).data);
      const rows = await withSql(services.db.url, (sql) => sql(`select patient_id::text, outcome, record_types from audit.event where actor_id = $1 and action = 'read'`, [reader.userId]));
      const read = rows.filter((row: any) => row.outcome === 'success');
      expect(read.map((row: any) => row.patient_id).sort()).toEqual([...listed].sort());
      for (const row of read) expect(row.record_types).toEqual(['CareGap']);
      // the one the stale copy offered was refused, and that is on record too
      expect(rows.filter((row: any) => row.outcome !== 'success')).toEqual([{ patient_id: theirs, outcome: 'denied', record_types: ['CareGap'] }]);
    });
  });

  it('rules are data: a rule inserted as a row is evaluated at the next recompute, and met by its records', async () => {
    const patientId = await newPatient(bornYearsAgo(55), 'MALE');
    await withSql(services.db.url, async (sql) => {
      await sql(`insert into clinical.care_gap_rule (code, title, description, source, eligibility, from_age)
                 values ('zoster-vaccine', 'Shingles vaccine', 'Two doses of recombinant zoster vaccine from 50.', 'CDC ACIP 2018', 'Adults 50 and older', '50 years')`);
      await sql(`insert into clinical.care_gap_satisfier (rule_id, record_type, code_system, codes, interval_months, label)
                 select id, 'Immunization', $1, array['187'], 1200, 'zoster vaccine' from clinical.care_gap_rule where code = 'zoster-vaccine'`, [CVX]);
    });
    try {
      const em = services.clinical.orm.em.fork() as EntityManager;
      await em.transactional((tx) => recomputeCareGaps(tx as EntityManager, [patientId]));
      expect(await gapOf(patientId, 'zoster-vaccine')).toMatchObject({ status: 'OVERDUE', dueDate: addMonths(bornYearsAgo(55), 50 * 12), reason: 'Adults 50 and older; no zoster vaccine on record' });
      await immunize(patientId, '187', monthsAgo(1));
      expect(await gapOf(patientId, 'zoster-vaccine')).toMatchObject({ status: 'MET', lastMetBy: { type: 'Immunization' } });
      const { careGapRules } = await graphqlOk(services.clinical.url, '{ careGapRules { code } }', {}, { principal: physician });
      expect(careGapRules.map((rule: { code: string }) => rule.code)).toContain('zoster-vaccine');
    } finally {
      await withSql(services.db.url, (sql) => sql(`delete from clinical.care_gap_rule where code = 'zoster-vaccine'`));
    }
  });
});
