export { ensureAuditSchema, AUDIT_SCHEMA_VERSION, AUDIT_ACTIONS, AUDIT_OUTCOMES, AUDIT_ACTOR_TYPES } from './schema';
export type { AuditExecutor, AuditTarget, PgQueryable } from './sql';
export * from './writer';
export { AuditBatcher, MAX_AUDIT_BATCH_ROWS } from './batcher';
export * from './queries';
export * from './verify';
