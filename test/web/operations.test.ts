import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { SUPERGRAPH_PATH } from '@caregraph/gateway';
import { parse, print, validate, type DocumentNode } from 'graphql';
import { DEFAULT_QUERY_LIMITS, queryProtection } from '../../gateway/src/query-limits';
import * as generated from '../../web/src/gql/graphql';

/**
 * Every operation the web client sends passes the gateway's default limits (depth, cost, aliases,
 * tokens, directives): a screen whose query the gateway refuses would only fail in a browser.
 */
describe('web client operations', () => {
  const documents = Object.entries(generated).filter((entry): entry is [string, DocumentNode] => entry[0].endsWith('Document'));

  it('are all valid against the API schema and within the gateway limits', () => {
    expect(documents.length).toBeGreaterThanOrEqual(25);
    const schema = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
    const { validationRules } = queryProtection(DEFAULT_QUERY_LIMITS, { blockFieldSuggestions: true });
    for (const [name, document] of documents) {
      const errors = validate(schema, parse(print(document), { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens }), validationRules).map((error) => error.message);
      expect({ name, errors }).toEqual({ name, errors: [] });
    }
  });
});
