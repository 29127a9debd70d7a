import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, GraphQLScalarType, Kind, parse } from 'graphql';
import { JitExecution } from './jit-execution';

/** A subgraph with what ours use: an entity, a custom scalar, enums, defaults, an input object, a union with an async resolveType (as type-graphql makes them), errors with codes. */
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  scalar Day
  enum Status { ACTIVE DONE }
  type Visit { id: ID! day: Day! status: Status! notes: [String!]! }
  type Patient @key(fields: "id") {
    id: ID!
    name: String
    visits(first: Int = 2, status: Status): [Visit!]!
    secret: String
    broken: String
    mustHave: String!
  }
  type Clinic { name: String! }
  union Place = Clinic | Patient
  input VisitInput { day: Day!, status: Status = ACTIVE, notes: [String!]! = [] }
  type Query { patient(id: ID!): Patient, patients(ids: [ID!]!): [Patient]!, place(clinic: Boolean!): Place }
  type Mutation { addVisit(patientId: ID!, input: VisitInput!): Visit! }
`);

/** Days as YYYY-MM-DD, refused otherwise (like our DateTime scalars). */
const Day = new GraphQLScalarType({
  name: 'Day',
  serialize: (value) => (value as Date).toISOString().slice(0, 10),
  parseValue: (value) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new TypeError('Day must be YYYY-MM-DD');
    return new Date(`${value}T00:00:00Z`);
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new TypeError('Day must be a string');
    return new Date(`${node.value}T00:00:00Z`);
  },
});

const patient = (id: string) => ({ id, name: `patient ${id}` });
const visits = [
  { id: 'v1', day: new Date('2026-01-02T00:00:00Z'), status: 'ACTIVE', notes: ['a'] },
  { id: 'v2', day: new Date('2026-02-03T00:00:00Z'), status: 'DONE', notes: [] },
  { id: 'v3', day: new Date('2026-03-04T00:00:00Z'), status: 'DONE', notes: ['b', 'c'] },
];
const schema = buildSubgraphSchema({
  typeDefs,
  resolvers: {
    Day,
    Query: {
      patient: (_: unknown, { id }: { id: string }) => (id === 'unknown' ? null : patient(id)),
      patients: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => (id === 'unknown' ? null : patient(id))),
      place: (_: unknown, { clinic }: { clinic: boolean }) => (clinic ? { name: 'North' } : patient('p9')),
    },
    Mutation: {
      addVisit: (_: unknown, { input }: { input: { day: Date; status: string; notes: string[] } }) => ({ id: 'new', ...input }),
    },
    Patient: {
      __resolveReference: (reference: { id: string }) => patient(reference.id),
      visits: async (_: unknown, { first, status }: { first: number; status?: string }) => visits.filter((visit) => !status || visit.status === status).slice(0, first),
      secret: () => {
        throw new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN', field: 'secret' } });
      },
      broken: () => {
        throw new Error('a bug');
      },
      mustHave: () => null,
    },
    // type-graphql's resolveType is an async function
    Place: { __resolveType: async (value: { id?: string }) => (value.id ? 'Patient' : 'Clinic') },
  } as never,
});

describe('JitExecution: a subgraph executing with graphql-jit', () => {
  const interpreted = new ApolloServer({ schema });
  const jit = new JitExecution(schema);
  const compiled = new ApolloServer({ gateway: jit });
  beforeAll(async () => {
    await interpreted.start();
    await compiled.start();
  });
  afterAll(async () => {
    await interpreted.stop();
    await compiled.stop();
  });

  const answer = async (server: ApolloServer, query: string, variables: Record<string, unknown> = {}) => {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status ?? 200, ...response.body.singleResult };
  };

  it.each([
    ['fields, aliases, fragments, arguments and their defaults', `query ($id: ID!) { patient(id: $id) { id ...named recent: visits { id day status notes } done: visits(first: 5, status: DONE) { id day } } }
      fragment named on Patient { name }`, { id: 'p1' }],
    ['@include and @skip on fields, fragment spreads and inline fragments', `query ($with: Boolean!, $without: Boolean!) { patient(id: "p1") { id ...visits @include(if: $with) ... on Patient @skip(if: $without) { name }
      recent: visits(first: 1) @include(if: $without) { id } } } fragment visits on Patient { visits { id day } }`, { with: false, without: true }],
    ['an entity fetch as the gateway sends it', `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Patient { id name visits(first: 1) { id } } } }`,
      { representations: [{ __typename: 'Patient', id: 'p1' }, { __typename: 'Patient', id: 'p2' }] }],
    ['a variable inside a literal (a direct caller\'s shorthand)', `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { id name } } }`, { id: 'p3' }],
    ['nulls in a list, an error with its code and field, an unexpected error, and a null bubbling up', `{ patients(ids: ["p1", "unknown"]) { id secret broken } patient(id: "p2") { id mustHave } }`, {}],
    ['an input object leaving out fields with defaults', `mutation ($input: VisitInput!) { addVisit(patientId: "p1", input: $input) { id day status notes } }`, { input: { day: '2026-05-06' } }],
    ['a union resolved by an async resolveType', `query ($clinic: Boolean!) { place(clinic: $clinic) { __typename ... on Clinic { name } ... on Patient { id } } }`, { clinic: true }],
    ['a variable the schema refuses, deep in an input object', `mutation ($input: VisitInput!) { addVisit(patientId: "p1", input: $input) { id } }`, { input: { day: '06/05/2026', notes: ['x'] } }],
    ['an enum variable out of its values', `query ($status: Status) { patient(id: "p1") { visits(status: $status) { id } } }`, { status: 'LOST' }],
  ])('answers exactly as graphql-js: %s', async (_name, query, variables) => {
    const expected = await answer(interpreted, query, variables);
    expect(JSON.parse(JSON.stringify(await answer(compiled, query, variables)))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('compiles an operation once, keeps the most recently used, and runs the ones graphql-jit gets wrong on graphql-js', async () => {
    const bounded = new JitExecution(schema, 2);
    const server = new ApolloServer({ gateway: bounded });
    await server.start();
    try {
      const run = async (query: string, variables: Record<string, unknown> = {}) => {
        const response = await server.executeOperation({ query, variables });
        if (response.body.kind !== 'single') throw new Error('expected a single result');
        return response.body.singleResult;
      };
      await run('{ patient(id: "a") { id } }');
      await run('{ patient(id: "a") { id } }');
      expect(bounded.compiledOperations).toBe(1);
      expect(await run('{ patient(id: "b") { name } }')).toEqual({ data: { patient: { name: 'patient b' } } });
      expect(await run('{ patient(id: "c") { id name } }')).toEqual({ data: { patient: { id: 'c', name: 'patient c' } } });
      expect(bounded.compiledOperations).toBe(2);
      // an input-object variable, a union, a variable inside a literal: answered, not compiled
      const fresh = new JitExecution(schema);
      const other = new ApolloServer({ gateway: fresh });
      await other.start();
      try {
        for (const [query, variables] of [
          ['mutation ($input: VisitInput!) { addVisit(patientId: "p", input: $input) { status } }', { input: { day: '2026-01-01' } }],
          ['{ place(clinic: true) { ... on Clinic { name } } }', {}],
          ['query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { id } } }', { id: 'p' }],
        ] as const) {
          const response = await other.executeOperation({ query, variables });
          expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeUndefined();
        }
        expect(fresh.compiledOperations).toBe(0);
      } finally {
        await other.stop();
      }
    } finally {
      await server.stop();
    }
  });
});
