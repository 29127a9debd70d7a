/**
 * Break-glass grants in this tab (patient id → expiry), so the chart stays flagged while the access
 * lasts: the API does not say on which basis a chart is open, only the grant does.
 */
const KEY = 'caregraph.breakGlass';

function read(): Record<string, string> {
  try {
    return JSON.parse(window.sessionStorage.getItem(KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

export function breakGlassUntil(patientId: string, now = Date.now()): string | undefined {
  const expiresAt = read()[patientId];
  return expiresAt && Date.parse(expiresAt) > now ? expiresAt : undefined;
}

export function rememberBreakGlass(patientId: string, expiresAt: string): void {
  window.sessionStorage.setItem(KEY, JSON.stringify({ ...read(), [patientId]: expiresAt }));
}
