import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions, type NonEmptyArray } from 'type-graphql';

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

async function buildTypeGraphqlSchema(definition: FederatedSchemaDefinition): Promise<GraphQLSchema> {
  const options: BuildSchemaOptions = {
    resolvers: definition.resolvers,
    orphanedTypes: definition.orphanedTypes,
    // class-validator runs on every input; failures become BAD_USER_INPUT naming the field
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    skipCheck: true, // a subgraph may extend types without owning a Query field
    emitSchemaFile: false,
  };
  return buildSchema(options);
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
