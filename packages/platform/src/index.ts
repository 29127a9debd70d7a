import 'reflect-metadata';

export * from './config/config';
export * from './logging/logger';
export * from './errors/errors';
export * from './context';
export * from './database/embedded-postgres';
export * from './database/orm';
export * from './graphql/federation';
export * from './graphql/pagination';
export * from './graphql/scalars';
export * from './fhir/ids';
export * from './fhir/ingest';
export * from './server/request-id';
export * from './server/lifecycle';
export * from './server/subgraph-server';
export * from './server/main';
export * from './graphql/fhir-datatypes';
export * from './graphql/search-text';
