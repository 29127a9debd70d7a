import type { Session } from '../auth/session';

/**
 * Downloads GET /billing/claims.csv for the worklist's query string. The export needs the bearer
 * token, which a plain link cannot send: fetch it, then hand the browser the file.
 */
export async function downloadClaimsCsv(session: Session, params: URLSearchParams): Promise<void> {
  const token = await session.token();
  const response = await fetch(`/billing/claims.csv?${params.toString()}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const field = ((await response.json().catch(() => ({}))) as { errors?: { extensions?: { field?: string } }[] }).errors?.[0]?.extensions?.field;
    throw new Error(response.status === 403 ? 'Your role cannot export these claims.' : `The export failed (${response.status}${field ? `, ${field}` : ''}).`);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `claims-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
