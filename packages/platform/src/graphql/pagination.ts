import type { Cursor } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { findPageReadOnly } from '../database/read-only';
import { listSelection, type SelectionInfo } from './selection';
import { badInput } from '../errors/errors';
import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int, ObjectType, Directive, type ClassType } from 'type-graphql';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay forward pagination arguments, shared by every list in the graph. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { description: `Page size, 1-${MAX_PAGE_SIZE}` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page' })
  after?: string | null;
}

@ObjectType({ description: 'Relay page information' })
@Directive('@shareable')
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount?: number;
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` for a node type:
 * `@ObjectType() class PatientConnection extends ConnectionType(Patient) {}`.
 */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name = nodeType.name) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => nodeType) node!: T;
    @Field() cursor!: string;
  }

  // never emitted on its own: only the concrete `XConnection` subclasses are reachable
  @ObjectType(`${name}ConnectionBase`)
  abstract class ConnectionBase implements Connection<T> {
    @Field(() => [EdgeType]) edges!: Edge<T>[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { nullable: true, description: 'Size of the whole filtered list (computed only when asked for)' })
    totalCount?: number;
  }
  return ConnectionBase;
}

/** Turns a MikroORM cursor page (em.findByCursor) into a Relay connection. */
export function toConnection<E extends object, N = E>(
  page: Cursor<E, any, any, any, boolean>,
  map: (entity: E) => N = (entity) => entity as unknown as N,
): Connection<N> {
  // cursors are encoded when a field reads them: most lists on a screen never select an edge's cursor
  return {
    edges: page.items.map((item) => ({
      node: map(item as E),
      get cursor() {
        return page.from(item as E);
      },
    })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPrevPage,
      get startCursor() {
        return page.startCursor;
      },
      get endCursor() {
        return page.endCursor;
      },
    },
    totalCount: page.totalCount as number | undefined,
  };
}

/** Options for one page of an entity list, newest-first unless the caller orders otherwise. */
export interface PageQuery<E> {
  first: number;
  after?: string | null;
  orderBy: Record<string, 'asc' | 'desc' | 'ASC' | 'DESC'>;
  /** Count the whole filtered list (an extra query): only when the client selected totalCount. */
  includeCount?: boolean;
  populate?: readonly string[];
  /** Load without the unit of work (database/read-only.ts): for reads whose results are never written back. */
  readOnly?: boolean;
  /** With readOnly: only these properties (database/projection.ts); every column when absent. */
  select?: readonly string[];
  _entity?: E;
}

/**
 * One keyset page through em.findByCursor, with a tampered or stale cursor reported as
 * BAD_USER_INPUT on `after` instead of a 500.
 */
export async function findPage<E extends object>(
  em: { findByCursor: (...args: any[]) => Promise<Cursor<E, any, any, any, boolean>> },
  entity: ClassType<E>,
  where: object,
  query: PageQuery<E>,
): Promise<Cursor<E, any, any, any, boolean>> {
  if (query.after) {
    try {
      const decoded = JSON.parse(Buffer.from(query.after, 'base64url').toString('utf8'));
      if (!Array.isArray(decoded)) throw new Error('not a cursor');
    } catch {
      throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
    }
  }
  if (query.readOnly) {
    return findPageReadOnly(em as unknown as EntityManager, entity, where as FilterQuery<E>, {
      first: query.first, after: query.after ?? undefined, orderBy: query.orderBy, includeCount: query.includeCount ?? false, select: query.select,
    }) as unknown as Cursor<E, any, any, any, boolean>;
  }
  return em.findByCursor(entity, where, {
    first: query.first,
    after: query.after ?? undefined,
    orderBy: query.orderBy,
    includeCount: query.includeCount ?? false,
    populate: query.populate,
  });
}

/**
 * True when the GraphQL selection asks for `totalCount` (so the count is worth reading), also
 * through fragments on the connection.
 */
export function selectsTotalCount(info: SelectionInfo): boolean {
  return listSelection(info).includeCount;
}
