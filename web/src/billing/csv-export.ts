import type { Session } from '../auth/session';
import { downloadWithToken } from '../ui/download';

/** Downloads GET /billing/claims.csv for the worklist's query string. */
export function downloadClaimsCsv(session: Session, params: URLSearchParams): Promise<void> {
  return downloadWithToken(session, `/billing/claims.csv?${params.toString()}`, `claims-${new Date().toISOString().slice(0, 10)}.csv`, (status, body) => {
    const field = (body as { errors?: { extensions?: { field?: string } }[] }).errors?.[0]?.extensions?.field;
    return status === 403 ? 'Your role cannot export these claims.' : `The export failed (${status}${field ? `, ${field}` : ''}).`;
  });
}
