import {
  buildClientSchema, getIntrospectionQuery, getNamedType, isInterfaceType, isLeafType, isListType, isNonNullType, isObjectType, getNullableType,
  type GraphQLField, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema, type IntrospectionQuery,
} from 'graphql';
import { propertiesForFields } from '@caregraph/platform';
import { staff } from '../../../../test/support/principals';
import { useChartServices } from '../../../../test/support/chart-services';
import { captureStatements } from '../../../../test/support/statements';
import { largestFixture } from '../../../../test/support/synthea';
import { Observation } from '../results/observation/observation.entity';

jest.setTimeout(240_000);

/**
 * Chart lists read only the columns their selection needs (platform database/projection.ts). An
 * answer must never depend on it: for every chart list on Patient and every list on Encounter,
 * each field of the records, selected on its own (so that only the columns it is known to read are
 * loaded), must answer exactly what the same records answer loaded whole (by reference, which
 * reads every column). A field resolver that reads a column nobody declared fails here.
 */
describe('chart lists read only the columns a selection needs', () => {
  const fixture = largestFixture();
  const physician = staff('physician', fixture.organizationIds[0]);
  const chart = useChartServices('projection', { fixtures: [fixture.file], principal: () => physician });
  let schema: GraphQLSchema;

  beforeAll(async () => {
    schema = buildClientSchema(await chart.graphqlOk(getIntrospectionQuery()) as IntrospectionQuery);
  });

  const chartRecordType = (type: GraphQLNamedType): type is GraphQLObjectType =>
    isObjectType(type) && (type.name === 'Encounter' || type.getInterfaces().some((face) => face.name === 'ChartRecord'));
  /** A field a client can select without arguments (every argument optional). */
  const askable = (field: GraphQLField<unknown, unknown>) => field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);

  /** The selection of `field` with everything below it, `depth` object levels down (leaves only at the last). */
  function selectionOf(field: GraphQLField<unknown, unknown>, depth: number): string | null {
    const type = getNamedType(field.type);
    if (isLeafType(type)) return field.name;
    if (depth === 0 || !(isObjectType(type) || isInterfaceType(type))) return null;
    const inner = Object.values(type.getFields()).filter(askable).map((child) => selectionOf(child, depth - 1)).filter((child): child is string => child !== null);
    return inner.length ? `${field.name} { ${inner.join(' ')} }` : null;
  }

  /** Each askable field of a record type with its full selection (two object levels: a report's results' codes, an encounter's organization). */
  const fieldSelections = (type: GraphQLObjectType) =>
    Object.values(type.getFields()).filter(askable).map((field) => ({ name: field.name, selection: selectionOf(field, 2) })).filter((entry): entry is { name: string; selection: string } => entry.selection !== null);

  /** Patient's chart lists (connections of chart records) and Encounter's linked lists, with their record type. */
  function chartLists(): { owner: 'Patient' | 'Encounter'; field: string; type: GraphQLObjectType }[] {
    const lists: { owner: 'Patient' | 'Encounter'; field: string; type: GraphQLObjectType }[] = [];
    for (const field of Object.values((schema.getType('Patient') as GraphQLObjectType).getFields())) {
      const connection = getNamedType(field.type);
      if (!isObjectType(connection) || !connection.name.endsWith('Connection') || !askable(field)) continue;
      const node = getNamedType((getNamedType(connection.getFields().edges.type) as GraphQLObjectType).getFields().node.type);
      if (chartRecordType(node)) lists.push({ owner: 'Patient', field: field.name, type: node });
    }
    for (const field of Object.values((schema.getType('Encounter') as GraphQLObjectType).getFields())) {
      const item = getNamedType(field.type);
      if (isListType(getNullableType(field.type)) && chartRecordType(item) && askable(field)) lists.push({ owner: 'Encounter', field: field.name, type: item });
    }
    return lists;
  }

  /** The records of one list, each as `selection` picks them: a page of 50 (an encounter's, across 20 encounters). */
  async function listed(list: { owner: 'Patient' | 'Encounter'; field: string }, selection: string): Promise<any[]> {
    if (list.owner === 'Patient') {
      const patient = await chart.patientFields(fixture.patientId, `${list.field}(first: 50) { edges { node { id ${selection} } } }`);
      return patient[list.field].edges.map((edge: any) => edge.node);
    }
    const patient = await chart.patientFields(fixture.patientId, `encounters(first: 20) { edges { node { ${list.field} { id ${selection} } } } }`);
    return patient.encounters.edges.flatMap((edge: any) => edge.node[list.field]);
  }

  it('answers every field of every chart list exactly as the records loaded whole', async () => {
    const lists = chartLists();
    // every chart list is covered: the Patient lists and the encounter's linked records
    expect(lists.filter((list) => list.owner === 'Patient').length).toBeGreaterThanOrEqual(12);
    expect(lists.filter((list) => list.owner === 'Encounter').length).toBeGreaterThanOrEqual(8);
    let compared = 0;
    for (const list of lists) {
      const fields = fieldSelections(list.type);
      const ids: string[] = (await listed(list, '')).map((record) => record.id);
      if (!ids.length) continue;
      const whole = new Map<string, any>((await chart.references(list.type.name, ids, fields.map((field) => field.selection).join(' '))).map((record: any) => [record.id, record]));
      for (const field of fields) {
        const records = await listed(list, field.selection);
        expect(records.map((record) => record.id)).toEqual(ids);
        for (const record of records) {
          expect({ list: `${list.owner}.${list.field}`, field: field.name, value: record[field.name] })
            .toEqual({ list: `${list.owner}.${list.field}`, field: field.name, value: whole.get(record.id)[field.name] });
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(5000); // the fixture's whole chart, field by field
  });

  it('reads only the selected columns, with the key, the order and what loaders and the policy need', async () => {
    const { statements } = await captureStatements([chart.clinical.orm], () =>
      chart.patientFields(fixture.patientId, 'conditions(first: 5) { edges { node { id code { code } } } } encounters(first: 2) { edges { node { id observations(first: 3) { effectiveAt } } } }'));
    const columnsOf = (table: string) => {
      const statement = statements.find((candidate) => candidate.sql.includes(`from "clinical"."${table}" t`) || candidate.sql.includes(`from "clinical"."${table}" t where t."encounter_id"`));
      const select = /^select (.*?) from /s.exec(statement!.sql)![1];
      return new Set([...select.matchAll(/t\."([a-z_]+)"/g)].map((match) => match[1]));
    };
    expect(columnsOf('condition')).toEqual(new Set(['id', 'patient_id', 'organization_id', 'encounter_id', 'code', 'recorded_at']));
    expect(columnsOf('observation')).toEqual(new Set(['id', 'patient_id', 'organization_id', 'encounter_id', 'effective_at']));
  });

  it('sees the fields a query selects through named and inline fragments', async () => {
    const { result, statements } = await captureStatements([chart.clinical.orm], () => chart.graphqlOk(`query ($id: ID!) {
      _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { conditions(first: 5) { ...page } } }
    }
    fragment page on ConditionConnection { edges { node { ... on Condition { onsetAt } ...coded } } }
    fragment coded on Condition { code { code } }`, { id: fixture.patientId }));
    expect(result._entities[0].conditions.edges[0].node).toEqual({ onsetAt: expect.any(String), code: { code: expect.any(String) } });
    const select = /^select (.*?) from "clinical"\."condition"/s.exec(statements.find((statement) => statement.sql.includes('from "clinical"."condition" t'))!.sql)![1];
    expect(new Set([...select.matchAll(/t\."([a-z_]+)"/g)].map((match) => match[1]))).toEqual(new Set([
      'id', 'patient_id', 'organization_id', 'encounter_id', 'onset_at', 'code', 'recorded_at',
    ]));
  });

  it('reads what a field declares where it reads more than the column of its own name', async () => {
    // Observation.valueQuantity is made of the value, unit, unit code, system and comparator columns
    const { statements } = await captureStatements([chart.clinical.orm], () =>
      chart.patientFields(fixture.patientId, 'observations(first: 5) { edges { node { valueQuantity { value unit } } } }'));
    const select = /^select (.*?) from "clinical"\."observation"/s.exec(statements.find((statement) => statement.sql.includes('from "clinical"."observation" t'))!.sql)![1];
    expect(new Set([...select.matchAll(/t\."([a-z_]+)"/g)].map((match) => match[1]))).toEqual(new Set([
      'id', 'patient_id', 'organization_id', 'encounter_id', 'effective_at', 'value_quantity', 'value_unit', 'value_unit_code', 'value_system', 'value_comparator',
    ]));
  });

  it('reads every column where a selected field is neither a column nor declared', () => {
    const em = chart.em();
    expect(propertiesForFields(em, Observation, ['id', 'status', 'noSuchField'])).toBeUndefined();
    expect(new Set(propertiesForFields(em, Observation, ['id', 'status', '__typename']))).toEqual(new Set(['id', 'patientId', 'organizationId', 'encounterId', 'status']));
  });
});
