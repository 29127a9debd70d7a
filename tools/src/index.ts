/** Public API of the caregraph tools: the FHIR importer and the demo data generator. */
export { BundleError, SUPPORTED_BUNDLE_TYPES, parseBundleJson, validateBundle, describeEntry, type BundleEntry, type EntryLocation, type ValidatedBundle } from './import/bundle';
export { createImporter, safeErrorMessage, fileSizes, type Importer, type ImporterOptions, type ImportHooks, type BundleInput, type BundleProgress } from './import/importer';
export { defaultOwners, ownerIndex, type ImportOwner } from './import/owners';
export { emptySummary, mergeSummary, formatSummary, writtenTotals, type ImportSummary, type TypeSummary } from './import/summary';
export { progressReporter, type ProgressOptions } from './import/progress';
export { withToolDatabase, embeddedDataDir, repoRoot } from './import/database';
export { generateDemoBundles, demoBundle, demoDirectory, demoPatient, demoBundleCount, npiCheckDigit, DEFAULT_DEMO_SEED, DEFAULT_PATIENTS_PER_BUNDLE, type DemoOptions, type DemoDirectory, type DemoPatient, type DemoOrganization } from './demo/generator';
export { seedDemoIfEmpty, hasPatients, demoPatientCount, DEFAULT_DEMO_PATIENTS, type SeedDemoOptions, type SeedDemoResult } from './demo/seed';
export { mulberry32, hashSeed, Random } from './demo/prng';
export { generateDemoLedgerBundles, ledgerPatientCount, DENIALS, type DemoLedgerOptions } from './demo/billing';
export { seedDemoAccountsIfMissing } from './demo/accounts';
export { seedDemoConversation, type DemoConversation } from './demo/conversation';
export { postGraphql, signIn } from './gateway-client';
export { FULL_CHART_QUERY, SQL_FLOOR, CHART_FIXTURE } from './bench/chart';
export { freePort } from './bench/platform-process';
