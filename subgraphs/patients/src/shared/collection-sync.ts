import type { Collection } from '@mikro-orm/postgresql';

/**
 * Brings an initialized one-to-many collection (orphanRemoval) in line with the wanted keys:
 * rows whose key is no longer wanted are removed, missing ones created, the rest kept (or updated
 * by `update`). Only the difference is written at flush, so unique keys never collide.
 */
export function syncCollection<T extends object, W>(
  collection: Collection<T>,
  wanted: readonly W[],
  keyOfRow: (row: T) => string,
  keyOfWanted: (item: W) => string,
  create: (item: W) => T,
  update?: (row: T, item: W) => void,
): void {
  const byKey = new Map(wanted.map((item) => [keyOfWanted(item), item]));
  for (const row of collection.getItems()) {
    const item = byKey.get(keyOfRow(row));
    if (item === undefined) collection.remove(row);
    else {
      update?.(row, item);
      byKey.delete(keyOfRow(row));
    }
  }
  for (const item of byKey.values()) collection.add(create(item));
}
