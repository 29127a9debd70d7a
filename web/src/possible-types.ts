/**
 * The members of each union and interface the client's documents select through: Apollo's cache
 * matches a fragment on an abstract type (`... on ChartAnchorRecord`) only with this map, and
 * otherwise drops the fragment's fields. test/web/operations.test.ts checks it against the
 * supergraph for every abstract type the documents use.
 */
export const POSSIBLE_TYPES: Record<string, string[]> = {
  Caller: ['UserAccount', 'ApiClient'],
  ChartAnchorRecord: [
    'AllergyIntolerance', 'CarePlan', 'Claim', 'Condition', 'DiagnosticReport', 'Encounter', 'Immunization', 'MedicationRequest', 'Observation', 'Procedure',
  ],
};
