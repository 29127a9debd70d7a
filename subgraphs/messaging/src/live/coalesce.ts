interface Deferred<V> {
  promise: Promise<V>;
  resolve(value: V): void;
  reject(error: unknown): void;
}

function deferred<V>(): Deferred<V> {
  const handle = {} as Deferred<V>;
  handle.promise = new Promise<V>((resolve, reject) => Object.assign(handle, { resolve, reject }));
  return handle;
}

/**
 * Runs `work(key)` at most once at a time per key. A call while it runs waits for one more run,
 * started when the current one ends, and shared by every call made meanwhile: each caller gets a
 * result computed after its call, and a burst of calls costs two runs, not one each.
 */
export class Coalesced<K, V> {
  private readonly runs = new Map<K, { next?: Deferred<V> }>();

  constructor(private readonly work: (key: K) => Promise<V>) {}

  run(key: K): Promise<V> {
    const running = this.runs.get(key);
    if (!running) return this.start(key);
    running.next ??= deferred<V>();
    return running.next.promise;
  }

  private start(key: K): Promise<V> {
    const entry: { next?: Deferred<V> } = {};
    this.runs.set(key, entry);
    const result = this.work(key);
    const settle = () => {
      if (!entry.next) return void this.runs.delete(key);
      this.start(key).then(entry.next.resolve, entry.next.reject);
    };
    result.then(settle, settle);
    return result;
  }
}
