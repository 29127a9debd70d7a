import type { Session } from '../auth/session';

/**
 * Downloads `path` as the file `filename`. Our exports need the bearer token, which a plain link
 * cannot send: fetch it, then hand the browser the file. A refusal becomes an Error whose message
 * `describe` gives for the status and the answer's body (an export's error shape varies).
 */
export async function downloadWithToken(session: Session, path: string, filename: string, describe: (status: number, body: unknown) => string): Promise<void> {
  const token = await session.token();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(describe(response.status, await response.json().catch(() => ({}))));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
