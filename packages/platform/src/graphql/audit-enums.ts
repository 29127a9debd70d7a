import { registerEnumType } from 'type-graphql';
import { AUDIT_ACTIONS, AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES } from '../audit/schema';
import type { AuditAction, AuditActorType, AuditOutcome } from '../audit/writer';

/** `['break_glass']` → `{ BREAK_GLASS: 'break_glass' }`: GraphQL names for the stored values. */
function upperKeys<T extends string>(values: readonly T[]): { [K in T as Uppercase<K>]: K } {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), value])) as { [K in T as Uppercase<K>]: K };
}

/**
 * GraphQL faces of the audit log's actions, outcomes and actor types, shared so every subgraph
 * that exposes audit rows declares identical enums (federation composes them as one type).
 */
export const AuditActionEnum = upperKeys<AuditAction>(AUDIT_ACTIONS);
export const AuditOutcomeEnum = upperKeys<AuditOutcome>(AUDIT_OUTCOMES);
export const AuditActorTypeEnum = upperKeys<AuditActorType>(AUDIT_ACTOR_TYPES);

registerEnumType(AuditActionEnum, { name: 'AuditAction', description: 'What was done (an audit event\'s action)' });
registerEnumType(AuditOutcomeEnum, { name: 'AuditOutcome', description: 'How an audited action ended' });
registerEnumType(AuditActorTypeEnum, { name: 'AuditActorType', description: 'Who acted: a signed-in user, a partner app, an internal job, or nobody signed in' });
