/**
 * One instance per request of whatever `key` names (a service class, a loader factory), created
 * on first use and kept on the request's context. Feature modules get request-scoped services and
 * DataLoaders this way without a central context listing every feature.
 */
const scoped = new WeakMap<object, Map<unknown, unknown>>();

export function perRequest<T>(ctx: object, key: unknown, create: () => T): T {
  let instances = scoped.get(ctx);
  if (!instances) scoped.set(ctx, (instances = new Map()));
  if (!instances.has(key)) instances.set(key, create());
  return instances.get(key) as T;
}
