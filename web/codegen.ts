import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations from the committed supergraph (`npm run codegen -w web`; test/web/codegen.test.ts
 * fails when src/gql is stale). Only the types the operations use are emitted, so schema changes
 * elsewhere in the graph do not touch the web client.
 */
const config: CodegenConfig = {
  schema: '../gateway/supergraph.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**', '!src/**/*.test.{ts,tsx}'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
        scalars: { DateTimeISO: 'string', LocalDate: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
