/** Activity that counts as "still here": pointer, keyboard, wheel and touch. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export interface IdleWatchOptions {
  /** Sign out after this long without activity. */
  timeoutMs: number;
  /** Warn this long before signing out. */
  warnBeforeMs: number;
  onWarn(): void;
  onIdle(): void;
  /** Activity after a warning. */
  onActive?(): void;
  target?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
}

/**
 * Idle sign-out: shared workstations on a ward must not stay signed in to a chart. The server ends a
 * session after its own idle time without a refresh; this signs the tab out first and says so.
 */
export function watchIdle(options: IdleWatchOptions): () => void {
  const target = options.target ?? window;
  let warned = false;
  let warnTimer: ReturnType<typeof setTimeout>;
  let idleTimer: ReturnType<typeof setTimeout>;
  const arm = () => {
    clearTimeout(warnTimer);
    clearTimeout(idleTimer);
    warnTimer = setTimeout(() => {
      warned = true;
      options.onWarn();
    }, options.timeoutMs - options.warnBeforeMs);
    idleTimer = setTimeout(options.onIdle, options.timeoutMs);
  };
  const onActivity = () => {
    if (warned) {
      warned = false;
      options.onActive?.();
    }
    arm();
  };
  for (const event of ACTIVITY_EVENTS) target.addEventListener(event, onActivity, { passive: true } as AddEventListenerOptions);
  arm();
  return () => {
    clearTimeout(warnTimer);
    clearTimeout(idleTimer);
    for (const event of ACTIVITY_EVENTS) target.removeEventListener(event, onActivity);
  };
}
