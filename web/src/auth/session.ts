/**
 * The signed-in session: the access token lives in memory only; the refresh token in sessionStorage
 * (this tab only, gone when it closes) so a reload keeps the user signed in. Refresh tokens rotate on
 * every use and reusing an old one ends the session, so refreshes are single-flight.
 */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token is valid for. */
  expiresIn: number;
}

export type SignInFailure = 'invalid_credentials' | 'mfa_required' | 'rate_limited' | 'unavailable';

export class SignInError extends Error {
  constructor(readonly reason: SignInFailure) {
    super(SIGN_IN_MESSAGES[reason]);
  }
}

const SIGN_IN_MESSAGES: Record<SignInFailure, string> = {
  invalid_credentials: 'That email and password do not match an active account.',
  mfa_required: 'This account uses a second factor: enter the 6-digit code from your authenticator app.',
  rate_limited: 'Too many sign-in attempts from here. Wait a minute and try again.',
  unavailable: 'The sign-in service is not reachable right now. Try again in a moment.',
};

/** Why the session ended, shown on the sign-in page. */
export type SignOutReason = 'user' | 'idle' | 'expired';

const REFRESH_KEY = 'caregraph.refreshToken';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30_000;

export class Session {
  private accessToken: string | undefined;
  private expiresAt = 0;
  private refreshing: Promise<boolean> | undefined;
  private readonly listeners = new Set<() => void>();
  /** Set when the session ended; cleared by the next sign-in. */
  endedBecause: SignOutReason | undefined;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    private readonly now: () => number = Date.now,
  ) {}

  get signedIn(): boolean {
    return this.accessToken !== undefined;
  }

  /** Called whenever the session starts or ends. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(email: string, password: string, totp?: string): Promise<void> {
    const response = await this.post('/auth/login', { email, password, ...(totp ? { totp } : {}) }).catch(() => undefined);
    if (!response) throw new SignInError('unavailable');
    if (response.status === 429) throw new SignInError('rate_limited');
    if (response.status === 401) {
      const { error } = (await response.json().catch(() => ({}))) as { error?: string };
      throw new SignInError(error === 'mfa_required' ? 'mfa_required' : 'invalid_credentials');
    }
    if (!response.ok) throw new SignInError(response.status === 400 ? 'invalid_credentials' : 'unavailable');
    this.endedBecause = undefined;
    this.accept((await response.json()) as TokenPair);
  }

  /** Resumes the tab's session after a reload; false when there is none (or it ended meanwhile). */
  restore(): Promise<boolean> {
    if (!this.storage.getItem(REFRESH_KEY)) return Promise.resolve(false);
    return this.refresh();
  }

  /** A valid access token, refreshed first when it is about to expire; undefined when signed out. */
  async token(): Promise<string | undefined> {
    if (this.accessToken && this.now() < this.expiresAt - REFRESH_MARGIN_MS) return this.accessToken;
    if (!this.storage.getItem(REFRESH_KEY)) return this.accessToken;
    return (await this.refresh()) ? this.accessToken : undefined;
  }

  /** Exchanges the refresh token for a new pair; on refusal the session ends ('expired'). */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const refreshToken = this.storage.getItem(REFRESH_KEY);
      if (!refreshToken) return false;
      const response = await this.post('/auth/refresh', { refreshToken }).catch(() => undefined);
      if (!response) return this.signedIn; // offline: keep what we have until it expires
      if (!response.ok) {
        this.end('expired');
        return false;
      }
      this.accept((await response.json()) as TokenPair);
      return true;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Ends the session here and on the server (its refresh token stops working). */
  async signOut(reason: SignOutReason = 'user'): Promise<void> {
    const refreshToken = this.storage.getItem(REFRESH_KEY);
    this.end(reason);
    if (refreshToken) await this.post('/auth/logout', { refreshToken }).catch(() => undefined);
  }

  private accept(tokens: TokenPair): void {
    this.accessToken = tokens.accessToken;
    this.expiresAt = this.now() + tokens.expiresIn * 1000;
    this.storage.setItem(REFRESH_KEY, tokens.refreshToken);
    this.notify();
  }

  private end(reason: SignOutReason): void {
    const wasSignedIn = this.signedIn || this.storage.getItem(REFRESH_KEY) !== null;
    this.accessToken = undefined;
    this.expiresAt = 0;
    this.storage.removeItem(REFRESH_KEY);
    if (wasSignedIn) this.endedBecause = reason;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private post(path: string, body: unknown): Promise<Response> {
    return this.fetchImpl(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
}
