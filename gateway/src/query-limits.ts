import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ValidationRule } from 'graphql';

/**
 * Static limits on an operation, checked at the gateway before any subgraph is called
 * (graphql-armor validation rules + a token limit on the parser). An operation over a limit gets
 * HTTP 400 with a GraphQL error naming the limit (`GRAPHQL_VALIDATION_FAILED`, or
 * `GRAPHQL_PARSE_FAILED` for the token limit).
 *
 * Sizing (measured against the committed supergraph): the README's chart query is depth 6, cost
 * about 770, 101 tokens; the federation test's chart query with two `first: 100` pages is depth 6,
 * cost about 12,600; introspection is about 160 tokens and is exempt from depth and cost.
 */
export interface QueryLimits {
  /**
   * Deepest field nesting (root field = 1): the nesting the response has. Fragments and inline
   * fragments add no level (a union's `... on Observation` is not deeper data). Default 10.
   */
  maxDepth: number;
  /**
   * graphql-armor's cost: objects 2, scalars 1, each nesting level x1.5, and a selection with a
   * literal `first`/`last` argument multiplied by it (a `first` given as a variable is not seen;
   * the subgraphs cap `first` at 100). Default 25,000.
   */
  maxCost: number;
  /** Aliased fields per operation (`__typename` exempt). Default 15. */
  maxAliases: number;
  /** Lexical tokens per document: bounds parser work before anything else runs. Default 1,000. */
  maxTokens: number;
  /** Directives per operation. Default 20. */
  maxDirectives: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxCost: 25_000,
  maxAliases: 15,
  maxTokens: 1_000,
  maxDirectives: 20,
};

export interface QueryProtection {
  plugins: ApolloServerPlugin<any>[];
  validationRules: ValidationRule[];
  /** graphql-js parser option: stops lexing after this many tokens. */
  parseOptions: { maxTokens: number };
}

/**
 * graphql-armor configured for the gateway. Field suggestions ("Did you mean …?") are masked
 * when `blockFieldSuggestions` is true (production): they let a caller map the schema with
 * introspection off.
 */
export function queryProtection(limits: QueryLimits, options: { blockFieldSuggestions: boolean }): QueryProtection {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    costLimit: { maxCost: limits.maxCost },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // armor's Apollo token plugin throws from parsingDidStart, which Apollo answers with an
    // opaque 500; graphql-js's own `maxTokens` parse option gives a clean 400 parse error.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: options.blockFieldSuggestions, mask: '' },
  });
  const { plugins, validationRules } = armor.protect();
  return {
    plugins: plugins as ApolloServerPlugin<any>[],
    validationRules: validationRules as ValidationRule[],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
