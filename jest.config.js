/** One jest run for the whole monorepo: unit/integration tests live next to the code (src/**\/*.test.ts), cross-service tests in test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs', ignoreDynamic: true },
    sourceMaps: 'inline',
  },
];

const workspaces = {
  '^@caregraph/platform$': '<rootDir>/packages/platform/src/index.ts',
  '^@caregraph/(patients|clinical|billing|messaging|identity)$': '<rootDir>/subgraphs/$1/src/index.ts',
  '^@caregraph/gateway$': '<rootDir>/gateway/src/index.ts',
  '^@caregraph/tools$': '<rootDir>/tools/src/index.ts',
};

/** Server code and cross-service tests (test/web/ included: browser tests drive the real platform). */
const server = {
  displayName: 'server',
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/subgraphs', '<rootDir>/gateway', '<rootDir>/tools', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // *.redis.test.ts prove the REDIS_URL path; they run where a Redis server is given (CI sets it)
  testPathIgnorePatterns: ['/node_modules/', '/dist/', ...(process.env.REDIS_URL ? [] : ['\\.redis\\.test\\.ts$'])],
  // ESM-only dependencies (jose) are compiled to CommonJS for jest; Node itself loads them natively.
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  moduleNameMapper: workspaces,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  setupFiles: ['<rootDir>/test/support/setup-env.js'],
};

/**
 * The web client's component tests (web/src/**\/*.test.tsx, each with a `@jest-environment jsdom`
 * docblock): React compiled by swc, no database, so running only them skips the global setup.
 */
const web = {
  displayName: 'web',
  testEnvironment: 'node',
  roots: ['<rootDir>/web/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(ts|tsx)$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
};

module.exports = {
  projects: [server, web],
  testTimeout: 60_000,
  maxWorkers: 2,
};
