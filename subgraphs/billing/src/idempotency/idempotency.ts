import { createHash } from 'node:crypto';
import { conflict } from '@caregraph/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Matches } from 'class-validator';

/** A client's idempotency key: 1-200 visible ASCII characters (a UUID is a good one). */
export const IsIdempotencyKey = () => Matches(/^[\x21-\x7e]{1,200}$/, { message: 'idempotencyKey must be 1-200 visible ASCII characters, no spaces' });

/** JSON with object keys sorted (bigints as strings, dates as ISO): one text per meaning. */
function canonical(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value ?? null;
}

/**
 * The hash a write is stored with beside its key: sha256 of the canonical JSON of the request as
 * the service understood it (amounts in minor units, ids lowercased, lists in a defined order),
 * so "12.5" and "12.50" are the same request and a retry need not repeat the bytes it sent.
 */
export function payloadHash(normalized: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(normalized))).digest('hex');
}

export interface IdempotentWrite<T> {
  /** The client's key; none: the write just happens. */
  key: string | null | undefined;
  /** payloadHash of this request. */
  hash: string;
  /** The unique index that allows one record per key (and organization). */
  constraint: string;
  /** What is stored under the key (looked up afresh, outside any failed transaction). */
  stored(): Promise<{ payloadHash: string | null; record: T } | null>;
  /** The write itself, in its own transaction. */
  write(): Promise<T>;
}

/**
 * Writes once per key. A key already used for the same request returns what it stored
 * (`replayed`), writing nothing; for another request, CONFLICT on `idempotencyKey`. Two requests
 * racing with one key both miss the lookup; the unique index lets one insert and the other,
 * rolled back, finds the winner and replays it.
 */
export async function writeOnce<T>(write: IdempotentWrite<T>): Promise<{ record: T; replayed: boolean }> {
  const replay = async () => {
    const stored = await write.stored();
    if (!stored) return null;
    if (stored.payloadHash !== write.hash) {
      throw conflict('This idempotencyKey was used for a different request; send a new request with a new key', { field: 'idempotencyKey' });
    }
    return { record: stored.record, replayed: true };
  };
  if (write.key) {
    const earlier = await replay();
    if (earlier) return earlier;
  }
  try {
    return { record: await write.write(), replayed: false };
  } catch (error) {
    const lostRace = write.key && error instanceof UniqueConstraintViolationException && (error as { constraint?: string }).constraint === write.constraint;
    const earlier = lostRace ? await replay() : null;
    if (earlier) return earlier;
    throw error;
  }
}
