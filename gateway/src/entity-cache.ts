import { LRUCache, type Perf } from 'lru-cache';

/** How many entities the gateway keeps by default (an organization's entry is a few hundred bytes). */
export const DEFAULT_ENTITY_CACHE_ENTRIES = 10_000;

/**
 * `_entities` answers a subgraph marked `Cache-Control: public, max-age=N` (directory data that
 * reads the same for every caller, e.g. an organization's name: the subgraph decides, see the
 * platform's public-entities.ts), kept per subgraph, selection and representation for N seconds.
 * A chart lists where each item came from; without this every list asked the patients subgraph
 * for the same few organization names again, once per list, on every chart.
 *
 * In memory, per gateway instance, bounded (least recently used go first): several instances
 * each keep their own, and a renamed organization shows its new name within N seconds everywhere.
 */
export class EntityCache {
  private readonly entries: LRUCache<string, object>;

  constructor(options: { maxEntries?: number; perf?: Perf } = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? DEFAULT_ENTITY_CACHE_ENTRIES, ttlAutopurge: false, ttlResolution: 0, perf: options.perf });
  }

  private static key(subgraph: string, query: string, representation: unknown): string {
    return `${subgraph}\u0000${query}\u0000${JSON.stringify(representation)}`;
  }

  get(subgraph: string, query: string, representation: unknown): object | undefined {
    return this.entries.get(EntityCache.key(subgraph, query, representation));
  }

  set(subgraph: string, query: string, representation: unknown, entity: object, maxAgeSeconds: number): void {
    this.entries.set(EntityCache.key(subgraph, query, representation), entity, { ttl: maxAgeSeconds * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** max-age of a `Cache-Control` header that also says `public`; 0 otherwise (never reused). */
export function publicMaxAge(cacheControl: string | null | undefined): number {
  if (!cacheControl) return 0;
  const directives = cacheControl.toLowerCase().split(',').map((part) => part.trim());
  if (!directives.includes('public') || directives.some((part) => part === 'private' || part === 'no-store' || part === 'no-cache')) return 0;
  const maxAge = directives.find((part) => part.startsWith('max-age='))?.slice('max-age='.length);
  return maxAge && /^\d+$/.test(maxAge) ? Number(maxAge) : 0;
}
