import { randomUUID } from 'node:crypto';
import {
  accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, type Principal, type RunningSubgraph,
} from '@caregraph/platform';
import { BundleError, createImporter, type Importer, type ImportSummary } from '@caregraph/tools';
import type { Resource } from '@medplum/fhirtypes';
import type { EntityName } from '@mikro-orm/postgresql';
import { createClinicalContext, type ClinicalContext } from '../../subgraphs/clinical/src/context';
import { clinicalSubgraph } from '../../subgraphs/clinical/src/subgraph';
import { patientsSubgraph } from '../../subgraphs/patients/src/subgraph';
import { createTestDatabase } from './database';
import { insertOrganization, insertPatient, patientUser, staff, withSql } from './principals';
import { assertionHeaders, graphql, graphqlOk, startTestSubgraph, type GraphQLResponse } from './services';
import { eventsConsumed } from './events';
import { FIXTURE_FILES, idOf, resourcesOf } from './synthea';

export interface ChartServices {
  db: { url: string; drop(): Promise<void> };
  /** The patients subgraph: the access policy the clinical one asks. */
  patients: RunningSubgraph;
  clinical: RunningSubgraph;
  /** What importing the fixtures did (undefined when `fixtures: false`). */
  imported?: ImportSummary;
  close(): Promise<void>;
}

/** Runs `work` with the real importer on `databaseUrl`, closing it afterwards. */
export async function withImporter<T>(databaseUrl: string, work: (importer: Importer) => Promise<T>): Promise<T> {
  const importer = await createImporter({ databaseUrl, logger: createLogger('import', 'silent') });
  try {
    return await work(importer);
  } finally {
    await importer.close();
  }
}

/**
 * A fresh database with the patients and clinical subgraphs on it and, unless told otherwise, all
 * 17 Synthea fixtures imported through the real importer (and their events handled): the setup of
 * every chart test.
 */
export async function startChartServices(label: string, options: { fixtures?: boolean | readonly string[] } = {}): Promise<ChartServices> {
  const db = await createTestDatabase(label);
  const patients = await startTestSubgraph(patientsSubgraph, db.url);
  const clinical = await startTestSubgraph(clinicalSubgraph, db.url);
  const files = options.fixtures === false ? [] : Array.isArray(options.fixtures) ? options.fixtures : FIXTURE_FILES;
  const imported = files.length ? await withImporter(db.url, (importer) => importer.importAll(files.map((file) => ({ file })))) : undefined;
  if (imported) await eventsConsumed(db.url);
  return {
    db, patients, clinical, imported,
    close: async () => {
      await clinical.close();
      await patients.close();
      await db.drop();
    },
  };
}

/** Every signed-in role but physician and nurse, at `organizationId`, and the patient: chart writes are refused to them (FORBIDDEN). */
export function nonClinicalRoles(organizationId: string, patientId: string): Principal[] {
  return [staff('billing', organizationId), staff('org_admin', organizationId), staff('compliance', organizationId), patientUser(patientId)];
}

/** Expects `attempt` to be refused with `code` (on `field`, when given) for each of `principals`. */
export async function expectRefusedFor(principals: readonly Principal[], attempt: (principal: Principal) => Promise<GraphQLResponse>, code: string, field?: string): Promise<void> {
  for (const principal of principals) {
    expect((await attempt(principal)).errors?.[0].extensions).toMatchObject({ code, ...(field && { field }) });
  }
}

/** Expects audit `rows` to be refusals only, at least one, each naming `recordType`. */
export function expectOnlyDenied(rows: readonly AuditRow[], recordType: string): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row).toMatchObject({ outcome: 'denied', record_types: expect.arrayContaining([recordType]) });
}

export interface AuditRow {
  action: string;
  outcome: string;
  record_types: string[];
  purpose: string | null;
  detail: Record<string, unknown> | null;
}

/** A list field of Patient, as a chart screen pages through it. */
export interface PatientList {
  /** `$id`, `$first`, `$after` and the filters; selects totalCount, the nodes and pageInfo. */
  query: string;
  /** One page of patient `id`'s list: null when the caller may not see the patient, or there is none. */
  page(id: string, args?: Record<string, unknown>, principal?: Principal): Promise<any>;
  /** Every page, following endCursor: the nodes in order, and each page as served. */
  all(id: string, args?: Record<string, unknown>, principal?: Principal): Promise<{ nodes: any[]; pages: any[] }>;
}

/** The arguments every chart list takes (ChartListArgs), by GraphQL type. */
const CHART_LIST_ARGS = { first: 'Int', after: 'String', code: 'String', organizationId: 'ID', from: 'DateTimeISO', to: 'DateTimeISO' };

/** A query for the list `field` of one Patient, with the chart list arguments and the feature's own `filters` (name → GraphQL type). */
export function patientListQuery(field: string, nodeSelection: string, filters: Record<string, string> = {}): string {
  const args = Object.entries({ ...CHART_LIST_ARGS, ...filters });
  return `query ($id: ID!, ${args.map(([name, type]) => `$${name}: ${type}`).join(', ')}) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) {
    ... on Patient { ${field}(${args.map(([name]) => `${name}: $${name}`).join(', ')}) {
      totalCount edges { node { ${nodeSelection} } } pageInfo { hasNextPage endCursor } } } } }`;
}

/** A chart record as the access checks look it up. */
export interface ChartRecordRef {
  /** The GraphQL type, e.g. "Condition". */
  typename: string;
  id: string;
  patientId: string;
  /** The query field reading one record by id, e.g. "condition". */
  byId: string;
  /** The Patient list field, e.g. "conditions", and what to select of it. */
  list: string;
  listSelection?: string;
}

/**
 * The running chart services of one test file, started before its tests (with the fixtures imported
 * unless told otherwise) and closed after them, and the calls every chart test makes on them. GraphQL
 * calls go to the clinical subgraph as `principal`, or as the file's default caller.
 */
export class ChartHarness {
  private started?: ChartServices;

  constructor(private readonly defaultPrincipal: () => Principal | undefined = () => undefined) {}

  /** @internal used by useChartServices */
  async start(label: string, fixtures: boolean | readonly string[] | undefined): Promise<void> {
    this.started = await startChartServices(label, { fixtures });
  }

  async close(): Promise<void> {
    await this.started?.close();
  }

  private get services(): ChartServices {
    if (!this.started) throw new Error('the chart services are not started (use them inside tests or hooks)');
    return this.started;
  }

  get db(): ChartServices['db'] { return this.services.db; }
  get patients(): RunningSubgraph { return this.services.patients; }
  get clinical(): RunningSubgraph { return this.services.clinical; }
  get imported(): ImportSummary { return this.services.imported!; }

  /** A fresh EntityManager of the clinical subgraph, to look at what is stored. */
  em = () => this.clinical.orm.em.fork();

  graphql = (query: string, variables: Record<string, unknown> = {}, principal: Principal | undefined = this.defaultPrincipal()) =>
    graphql(this.clinical.url, query, variables, { principal });

  graphqlOk = (query: string, variables: Record<string, unknown> = {}, principal: Principal | undefined = this.defaultPrincipal()): Promise<any> =>
    graphqlOk(this.clinical.url, query, variables, { principal });

  /** The list `field` of a patient (see patientListQuery), with `defaults` for every call (e.g. `{ first: 100 }`). */
  patientList = (field: string, nodeSelection: string, filters: Record<string, string> = {}, defaults: Record<string, unknown> = {}): PatientList => {
    const query = patientListQuery(field, nodeSelection, filters);
    const page = async (id: string, args: Record<string, unknown> = {}, principal?: Principal) =>
      (await this.graphqlOk(query, { id, ...defaults, ...args }, principal))._entities[0][field];
    const all = async (id: string, args: Record<string, unknown> = {}, principal?: Principal) => {
      const pages: any[] = [];
      let after: string | null = null;
      do {
        const current = await page(id, { ...args, after }, principal);
        pages.push(current);
        after = current.pageInfo.hasNextPage ? current.pageInfo.endCursor : null;
      } while (after && pages.length < 1000);
      return { nodes: pages.flatMap((current) => current.edges.map((edge: any) => edge.node)), pages };
    };
    return { query, page, all };
  };

  /** Fields of Patient `id` as this subgraph resolves them (the `_entities` entry). */
  patientFields = async (id: string, selection: string, principal?: Principal): Promise<any> =>
    (await this.graphqlOk(`query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { ${selection} } } }`,
      { id }, principal))._entities[0];

  /** `_entities` for references of `typename` to `ids` (what the gateway asks), selecting `selection`. */
  references = async (typename: string, ids: readonly string[], selection: string, principal?: Principal): Promise<any[]> =>
    (await this.graphqlOk(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on ${typename} { ${selection} } } }`,
      { reps: ids.map((id) => ({ __typename: typename, id })) }, principal))._entities;

  /** What `principal` gets of one record: by id, as a reference, and the patient's list; `{ byId: null, entity: null, list: null }` when hidden. */
  seenBy = async (principal: Principal, record: ChartRecordRef): Promise<{ byId: any; entity: any; list: any }> => {
    const data = await this.graphqlOk(`query ($patient: ID!, $id: ID!) {
      byId: ${record.byId}(id: $id) { id }
      refs: _entities(representations: [{ __typename: "${record.typename}", id: $id }, { __typename: "Patient", id: $patient }]) {
        ... on ${record.typename} { id } ... on Patient { ${record.list} { ${record.listSelection ?? 'totalCount'} } } }
    }`, { patient: record.patientId, id: record.id }, principal);
    return { byId: data.byId, entity: data.refs[0], list: data.refs[1][record.list] };
  };

  /** Records a finished ambulatory encounter at `organizationId` (as `principal`, starting `periodStart`); returns its id. */
  recordEncounter = async (patientId: string, organizationId: string, options: { principal?: Principal; periodStart?: string } = {}): Promise<string> =>
    (await this.graphqlOk(`mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`,
      { input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: options.periodStart ?? '2024-01-01T00:00:00Z' } }, options.principal)).recordEncounter.id;

  /** A patient registered only at an organization of its own (hidden from every other caller), and an id of nobody. */
  hiddenAndUnknownPatients = async (): Promise<[hidden: string, unknown: string]> =>
    [await insertPatient(this.db.url, [await insertOrganization(this.db.url)]), randomUUID()];

  /** Callers who may not see the chart of a patient registered at `organizationId`: a physician elsewhere, its billing staff, another patient. */
  strangers = async (organizationId: string): Promise<Principal[]> =>
    [staff('physician', await insertOrganization(this.db.url)), staff('billing', organizationId), patientUser(randomUUID())];

  /** The audit rows matching every given filter, oldest first. */
  auditRows = (filter: { patientId?: string; actorId?: string; action?: string }): Promise<AuditRow[]> => {
    const columns = { patientId: 'patient_id', actorId: 'actor_id', action: 'action' } as const;
    const given = (Object.keys(columns) as (keyof typeof columns)[]).filter((key) => filter[key] !== undefined);
    const where = given.map((key, index) => `${columns[key]} = $${index + 1}`).join(' and ');
    return withSql(this.db.url, (sql) =>
      sql(`select action, outcome, record_types, purpose, detail from audit.event ${where ? `where ${where}` : ''} order by id`, given.map((key) => filter[key])));
  };

  /** A request context as the clinical subgraph builds it for `principal`, asking the real access policy (to call loaders directly). */
  contextFor = async (principal: Principal): Promise<ClinicalContext> => {
    const assertion = (await assertionHeaders(this.clinical.url, principal))[ASSERTION_HEADER];
    const requestId = randomUUID();
    return createClinicalContext(createRequestContext({
      service: 'clinical', em: this.em(), principal, log: createLogger('test', 'silent'), requestId,
      policy: remoteAccessPolicy(accessDecisionsUrl(this.patients.url), { assertion, requestId }),
    }));
  };

  /** Expects every fixture resource of `type` imported once: counted by the import, and one `entity` row each, no other. */
  expectEveryFixtureImported = async (type: Resource['resourceType'], entity: EntityName<{ id: string }>): Promise<void> => {
    const inBundles = resourcesOf(type);
    const ids = [...new Set(inBundles.map(idOf))].sort();
    expect(this.imported.types[type]).toEqual({ inBundles: inBundles.length, created: ids.length, updated: inBundles.length - ids.length, unhandled: 0 });
    expect((await this.em().find(entity, {}, { fields: ['id'] })).map((row) => row.id).sort()).toEqual(ids);
  };

  importBundle = (bundle: unknown, source = 'test.json'): Promise<ImportSummary> => withImporter(this.db.url, (importer) => importer.importBundle(bundle, source));

  importFile = (file: string): Promise<ImportSummary> => withImporter(this.db.url, (importer) => importer.importFile(file));

  /** Imports `bundle`, which must be refused as a whole: a BundleError naming `field`, caused by BAD_USER_INPUT on it. */
  expectImportRefused = async (bundle: unknown, field: string): Promise<void> => {
    const error = await this.importBundle(bundle, 'refused.json').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as Error).message).toContain(field);
    expect((error as Error).cause).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
  };
}

/**
 * Starts the chart services for the tests of the calling describe block (or file) and closes them
 * after: `fixtures` as for startChartServices, `principal` the caller of GraphQL calls that name none.
 */
export function useChartServices(label: string, options: { fixtures?: boolean | readonly string[]; principal?: () => Principal } = {}): ChartHarness {
  const harness = new ChartHarness(options.principal);
  beforeAll(() => harness.start(label, options.fixtures), 240_000);
  afterAll(() => harness.close());
  return harness;
}
