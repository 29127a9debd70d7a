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
 * each keep their own. A gateway forgets what it kept from a subgraph as soon as it passes a write
 * to that subgraph (forget), so a renamed organization shows its new name at once through the
 * gateway that renamed it, and within N seconds through the others.
 */
export class EntityCache {
  private readonly entries: LRUCache<string, object>;
  /** Bumped per subgraph by forget(): entries of an earlier generation are never read again (the LRU drops them). */
  private readonly generations = new Map<string, number>();

  constructor(options: { maxEntries?: number; perf?: Perf } = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? DEFAULT_ENTITY_CACHE_ENTRIES, ttlAutopurge: false, ttlResolution: 0, perf: options.perf });
  }

  private static key(subgraph: string, generation: number, query: string, representation: unknown): string {
    return `${subgraph}\u0000${generation}\u0000${query}\u0000${JSON.stringify(representation)}`;
  }

  /** Where `subgraph`'s entries stand now: pass it to set() for an answer asked for now. */
  generation(subgraph: string): number {
    return this.generations.get(subgraph) ?? 0;
  }

  get(subgraph: string, query: string, representation: unknown): object | undefined {
    return this.entries.get(EntityCache.key(subgraph, this.generation(subgraph), query, representation));
  }

  /** Keeps an answer asked for at `generation`, unless the subgraph has taken a write since (it may be stale). */
  set(subgraph: string, generation: number, query: string, representation: unknown, entity: object, maxAgeSeconds: number): void {
    if (generation !== this.generation(subgraph)) return;
    this.entries.set(EntityCache.key(subgraph, generation, query, representation), entity, { ttl: maxAgeSeconds * 1000 });
  }

  /** Forgets everything kept from `subgraph`: it has taken a write, which may have changed any of it. */
  forget(subgraph: string): void {
    this.generations.set(subgraph, this.generation(subgraph) + 1);
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
