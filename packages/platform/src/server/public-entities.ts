import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RequestContext } from '../context';

/**
 * Directory data a subgraph serves the same to every caller (an organization's name): entity
 * types and the fields of them that read alike whoever asks, and how long an answer stays true
 * enough to reuse. Nothing about a patient belongs here.
 */
export interface PublicEntityType {
  /** Scalar fields that read the same for every caller (object fields are never reused). */
  fields: readonly string[];
  maxAgeSeconds: number;
}

export type PublicEntities = Readonly<Record<string, PublicEntityType>>;

/** Field names the plain field check accepts on any public entity. */
const ALWAYS_PUBLIC = new Set(['__typename']);

/**
 * Seconds an `_entities` answer may be reused, or 0: only when the operation is `_entities`
 * alone, every representation is of a public type and every field selected is one of that
 * type's public fields (no named fragments, no nested selections, no other root field).
 */
export function publicEntitiesMaxAge(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, types: PublicEntities): number {
  if (operation.operation !== 'query') return 0;
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1 || roots[0].kind !== Kind.FIELD || roots[0].name.value !== '_entities' || !roots[0].selectionSet) return 0;
  const representations = variables?.representations;
  if (!Array.isArray(representations) || !representations.length) return 0;
  let maxAge = Infinity;
  for (const representation of representations) {
    const type = types[(representation as { __typename?: unknown } | null)?.__typename as string];
    if (!type) return 0;
    maxAge = Math.min(maxAge, type.maxAgeSeconds);
  }
  return selectsOnlyPublicFields(roots[0].selectionSet, types) ? maxAge : 0;
}

function selectsOnlyPublicFields(selectionSet: SelectionSetNode, types: PublicEntities): boolean {
  return selectionSet.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return ALWAYS_PUBLIC.has(selection.name.value) && !selection.selectionSet;
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return false;
    const type = types[selection.typeCondition.name.value];
    if (!type) return false;
    const allowed = new Set(type.fields);
    return selection.selectionSet.selections.every((field) =>
      field.kind === Kind.FIELD && !field.selectionSet && !field.directives?.length && (allowed.has(field.name.value) || ALWAYS_PUBLIC.has(field.name.value)));
  });
}

/**
 * Marks an `_entities` answer holding only public directory fields `Cache-Control: public,
 * max-age=N`: the gateway keeps such answers per representation for N seconds (its entity cache)
 * and then asks this subgraph only for the entities it does not hold. Any error, and any answer
 * that is not entirely public, goes out without the header (the default: never reused).
 */
export function publicEntitiesPlugin(types: PublicEntities): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, request, response }) {
          if (!operation || response.body.kind !== 'single' || response.body.singleResult.errors?.length) return;
          const maxAge = publicEntitiesMaxAge(operation, request.variables, types);
          if (maxAge > 0) response.http.headers.set('cache-control', `public, max-age=${maxAge}`);
        },
      };
    },
  };
}
