import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import { getMetadataStorage, validate, type ValidatorOptions } from 'class-validator';
import { ArgumentValidationError, buildSchema, createResolversMap, getMetadataStorage as typeGraphqlMetadata, type BuildSchemaOptions, type NonEmptyArray } from 'type-graphql';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

/** `__resolveReference` functions keyed by entity type name, living next to each entity. */
export type ReferenceResolvers = GraphQLResolverMap<unknown>;

export interface FederatedSchemaDefinition {
  resolvers: NonEmptyArray<Function>;
  referenceResolvers?: ReferenceResolvers;
  /** Types not reachable from a root field but part of the subgraph (entity stubs, etc.). */
  orphanedTypes?: Function[];
}

/**
 * The subgraph's SDL as composition sees it. type-graphql prints via graphql-js, which drops
 * directives such as @key, hence printSchemaWithDirectives plus the federation @link.
 */
export async function printSubgraphSdl(definition: FederatedSchemaDefinition): Promise<string> {
  const schema = await buildTypeGraphqlSchema(definition);
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}`;
}

/**
 * Fields that read the property of their own name (no field resolver, middleware or role of their
 * own, not renamed; caregraph sets no global middleware or auth checker) resolve with graphql-js's
 * default resolver, which reads the property the field is named after. type-graphql
 * would wrap each in a middleware runner that, with nothing to run, costs a closure call and an
 * object per value, and one chart answers thousands of values.
 */
function resolvePropertiesSimply(): void {
  for (const field of typeGraphqlMetadata().fields) {
    if (field.simple === undefined && field.schemaName === field.name && !field.middlewares?.length && !field.roles?.length) field.simple = true;
  }
}

async function buildTypeGraphqlSchema(definition: FederatedSchemaDefinition): Promise<GraphQLSchema> {
  resolvePropertiesSimply();
  const options: BuildSchemaOptions = {
    resolvers: definition.resolvers,
    orphanedTypes: definition.orphanedTypes,
    // class-validator runs on every input; failures become BAD_USER_INPUT naming the field
    validateFn: validateArgument,
    skipCheck: true, // a subgraph may extend types without owning a Query field
    emitSchemaFile: false,
  };
  return buildSchema(options);
}

/** What type-graphql's own `validate` setting would pass class-validator (missing properties are the schema's business). */
const VALIDATOR_OPTIONS: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false, validationError: { target: false, value: false } };

/** Whether class-validator has any rule for instances of `type` (args and inputs without rules skip it). */
const hasRules = new WeakMap<Function, boolean>();
function validatesClass(type: Function): boolean {
  let known = hasRules.get(type);
  if (known === undefined) {
    known = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
    hasRules.set(type, known);
  }
  return known;
}

/**
 * Validates one resolver argument (an args class, an input object, a list of them) with
 * class-validator, as type-graphql's `validate` setting does, failing with the same
 * ArgumentValidationError. Ours because type-graphql's resolves `class-validator` with a dynamic
 * import on every argument of every field: module resolution on the hot path of every list.
 */
export async function validateArgument(value: unknown): Promise<void> {
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is object => item !== null && typeof item === 'object' && validatesClass((item as object).constructor),
  );
  for (const item of items) {
    const key = passedKey(item);
    if (key && passed.get(item.constructor)?.has(key)) continue;
    const errors = await validate(item, VALIDATOR_OPTIONS);
    if (errors.length) throw new ArgumentValidationError(errors);
    if (key) remember(item.constructor, key);
  }
}

/*
 * Arguments that passed, by class: an encounter list asks `observations(first: 50)` of each of its
 * encounters, and class-validator would look up the class's rules and run them every time. Our rules
 * are pure functions of the value, so an args object of plain values (strings, numbers, booleans,
 * nulls) that passed once passes again. Only passes are kept: a failure is validated anew, for its errors.
 */
const passed = new Map<Function, Set<string>>();
const MAX_PASSED_PER_CLASS = 1000;

/** The values of an args object as a key, when they are all plain (undefined otherwise). */
function passedKey(item: object): string | undefined {
  const values = Object.entries(item);
  for (const [, entry] of values) {
    if (entry !== null && entry !== undefined && typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') return undefined;
  }
  return JSON.stringify(values);
}

function remember(type: Function, key: string): void {
  const keys = passed.get(type) ?? new Set<string>();
  if (keys.size >= MAX_PASSED_PER_CLASS) keys.clear(); // a bound, not an LRU: the common shapes come back at once
  keys.add(key);
  passed.set(type, keys);
}

/** Builds the executable Federation 2 subgraph schema from type-graphql resolvers. */
export async function buildFederatedSchema(definition: FederatedSchemaDefinition): Promise<GraphQLSchema> {
  const schema = await buildTypeGraphqlSchema(definition);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, fields] of Object.entries(definition.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...(fields as Record<string, unknown>) };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolvers as GraphQLResolverMap<unknown>,
  });
}
