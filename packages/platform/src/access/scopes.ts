/** SMART v2 actions: create, read, update, delete, search. */
export type SmartAction = 'c' | 'r' | 'u' | 'd' | 's';

/** One SMART scope a partner app holds: what it may do with a resource type (`*`: every type). */
export interface SmartScope {
  resourceType: string;
  actions: ReadonlySet<SmartAction>;
}

/** SMART v1 action words as v2 letters. */
const V1_ACTIONS: Record<string, readonly SmartAction[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

/**
 * A SMART scope (v1 `system/Observation.read`, `.write`, `.*`; v2 `system/Observation.cruds`,
 * `.rs`, `.c`) as resource type and actions; null for anything else (openid, launch, ...).
 * patient/, user/ and system/ scopes count alike: a partner app acts for its organization.
 */
export function parseSmartScope(scope: string): SmartScope | null {
  const match = /^(?:patient|user|system)\/(\*|[A-Za-z]+)\.(read|write|\*|[cruds]+)$/.exec(scope);
  if (!match) return null;
  const [, resourceType, access] = match;
  return { resourceType, actions: new Set(V1_ACTIONS[access] ?? ([...access] as SmartAction[])) };
}

/** Whether `scopes` let a partner app do `action` on `resourceType`. */
export function scopesAllow(scopes: readonly string[], resourceType: string, action: SmartAction): boolean {
  return scopes.some((scope) => {
    const parsed = parseSmartScope(scope);
    return parsed !== null && (parsed.resourceType === '*' || parsed.resourceType === resourceType) && parsed.actions.has(action);
  });
}
