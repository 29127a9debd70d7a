import type { AuditAction, AuditOutcome } from '../gql/graphql';

export const AUDIT_ACTIONS: readonly AuditAction[] = ['READ', 'WRITE', 'BREAK_GLASS', 'DENIED', 'LOGIN', 'LOGIN_FAILED', 'LOGOUT', 'REFRESH', 'UNAUTHENTICATED'];
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['SUCCESS', 'DENIED', 'FAILURE'];

/** The audit log filter as the form holds it (and the URL keeps it): times are the user's local `YYYY-MM-DDTHH:mm`. */
export interface AuditFilter {
  action: AuditAction[];
  actorId: string;
  patientId: string;
  from: string;
  to: string;
  outcome: AuditOutcome | '';
  breakGlass: boolean;
}

export const NO_AUDIT_FILTER: AuditFilter = { action: [], actorId: '', patientId: '', from: '', to: '', outcome: '', breakGlass: false };

/** "Break-glass to review": emergency accesses and everything done under them, nothing else narrowed. */
export const BREAK_GLASS_REVIEW: AuditFilter = { ...NO_AUDIT_FILTER, breakGlass: true };

export function auditFilterFromParams(params: URLSearchParams): AuditFilter {
  const outcome = params.get('outcome') as AuditOutcome | null;
  return {
    action: (params.get('action') ?? '').split(',').filter((action): action is AuditAction => AUDIT_ACTIONS.includes(action as AuditAction)),
    actorId: params.get('actor') ?? '',
    patientId: params.get('patient') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    outcome: outcome && AUDIT_OUTCOMES.includes(outcome) ? outcome : '',
    breakGlass: params.get('breakGlass') === '1',
  };
}

export function paramsFromAuditFilter(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.action.length) params.set('action', filter.action.join(','));
  if (filter.actorId.trim()) params.set('actor', filter.actorId.trim());
  if (filter.patientId.trim()) params.set('patient', filter.patientId.trim());
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  if (filter.outcome) params.set('outcome', filter.outcome);
  if (filter.breakGlass) params.set('breakGlass', '1');
  return params;
}

/** A local date-time from a `datetime-local` input as an instant; undefined when empty or not a time. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The `auditEvents` arguments of a filter: empty fields are left out (no filter), not sent as "". */
export function auditEventsVariables(filter: AuditFilter) {
  return {
    action: filter.action.length ? filter.action : undefined,
    actorId: filter.actorId.trim() || undefined,
    patientId: filter.patientId.trim() || undefined,
    from: instant(filter.from),
    to: instant(filter.to),
    outcome: filter.outcome || undefined,
    breakGlass: filter.breakGlass || undefined,
  };
}
