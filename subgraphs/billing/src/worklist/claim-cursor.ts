import { badInput } from '@caregraph/platform';
import { validate as isUuid } from 'uuid';
import { checkSortValue, type ClaimPosition, type ClaimQuery } from './claim-query';

/**
 * A worklist cursor: the sort it belongs to, the sort key of the claim it points at and the
 * claim's id (base64url JSON). The next page starts right after that key, so claims written in
 * between never shift a page (no offsets).
 */
export function encodeClaimCursor(q: ClaimQuery, position: ClaimPosition): string {
  return Buffer.from(JSON.stringify([q.order.field, q.order.direction, position.value, position.id])).toString('base64url');
}

/** The position an `after` cursor points at; BAD_USER_INPUT on `after` when it is not one of this sort's. */
export function decodeClaimCursor(q: ClaimQuery, after: string | null | undefined): ClaimPosition | null {
  if (!after) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
  }
  if (!Array.isArray(decoded) || decoded.length !== 4 || typeof decoded[3] !== 'string' || !isUuid(decoded[3])) {
    throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
  }
  const [field, direction, value, id] = decoded as [unknown, unknown, unknown, string];
  if (field !== q.order.field || direction !== q.order.direction) {
    throw badInput('after', 'The cursor belongs to another order: pass the orderBy it was made with, or start again without after');
  }
  return { value: checkSortValue(q.order.field, value), id: id.toLowerCase() };
}
