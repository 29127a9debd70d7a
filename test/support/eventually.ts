/**
 * Polls `check` until it returns a truthy value and returns that value: for what happens on its
 * own time (an event consumed, a live event delivered, a browser view updated). Fails naming
 * `what` after `timeoutMs`.
 */
export async function eventually<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
