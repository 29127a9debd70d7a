import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { SUPERGRAPH_PATH } from '@caregraph/gateway';
import { TypeInfo, isAbstractType, parse, print, validate, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { DEFAULT_QUERY_LIMITS, queryProtection } from '../../gateway/src/query-limits';
import * as generated from '../../web/src/gql/graphql';
import { POSSIBLE_TYPES } from '../../web/src/possible-types';

/**
 * Every operation the web client sends passes the gateway's default limits (depth, cost, aliases,
 * tokens, directives): a screen whose query the gateway refuses would only fail in a browser.
 */
describe('web client operations', () => {
  const documents = Object.entries(generated).filter((entry): entry is [string, DocumentNode] => entry[0].endsWith('Document'));

  const schema: GraphQLSchema = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();

  it('are all valid against the API schema and within the gateway limits', () => {
    expect(documents.length).toBeGreaterThanOrEqual(25);
    const { validationRules } = queryProtection(DEFAULT_QUERY_LIMITS, { blockFieldSuggestions: true });
    for (const [name, document] of documents) {
      const errors = validate(schema, parse(print(document), { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens }), validationRules).map((error) => error.message);
      expect({ name, errors }).toEqual({ name, errors: [] });
    }
  });

  it("select through no union or interface the client cache does not know the members of (its fragments' fields would be dropped)", () => {
    const used = new Set<string>();
    for (const [, document] of documents) {
      const typeInfo = new TypeInfo(schema);
      visit(document, visitWithTypeInfo(typeInfo, {
        SelectionSet() {
          const parent = typeInfo.getParentType();
          if (parent && isAbstractType(parent)) used.add(parent.name);
        },
      }));
    }
    expect(used).toContain('ChartAnchorRecord');
    const members = (name: string) => schema.getPossibleTypes(schema.getType(name) as never).map((type) => type.name).sort();
    expect(Object.fromEntries([...used].sort().map((name) => [name, [...(POSSIBLE_TYPES[name] ?? [])].sort()])))
      .toEqual(Object.fromEntries([...used].sort().map((name) => [name, members(name)])));
  });
});
