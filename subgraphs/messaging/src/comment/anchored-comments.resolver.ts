import { PageArgs, entityStub, selectsTotalCount, stubReference, type EntityStubShape } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root, createUnionType } from 'type-graphql';
import type { MessagingContext } from '../context';
import { ChartAnchorType, ChartCommentAnchor } from './comment.entity';
import { ChartCommentConnection } from './comment.resolver';

/**
 * The records comments are pinned to, owned by the clinical and billing subgraphs, each with
 * `chartComments`: reachable from the record through federation (`observation { chartComments }`).
 */
function anchoredRecord(anchorType: ChartAnchorType) {
  const Record = entityStub(anchorType, { resolvable: true });
  @Resolver(() => Record)
  class AnchoredCommentsResolver {
    @FieldResolver(() => ChartCommentConnection, { description: `Comments pinned to this ${anchorType}, newest first (those on charts the caller may see)` })
    chartComments(@Root() record: EntityStubShape, @Args() args: PageArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
      return ctx.chartComments.listForAnchor(anchorType, record.id, args, selectsTotalCount(info));
    }
  }
  return { Record, AnchoredCommentsResolver };
}

const anchoredRecords = Object.values(ChartAnchorType).map(anchoredRecord);
/** The record types (only reachable through other subgraphs: orphaned types here). */
export const anchoredRecordTypes = anchoredRecords.map(({ Record }) => Record);
export const anchoredCommentsResolvers = anchoredRecords.map(({ AnchoredCommentsResolver }) => AnchoredCommentsResolver);
export const anchoredRecordReferences = Object.assign({}, ...Object.values(ChartAnchorType).map((type) => stubReference(type)));

/**
 * The record itself, from the subgraph that owns it: messaging knows only its type and id, and the
 * gateway reads the fields asked for from clinical (or billing, for a claim) under that subgraph's
 * access rules, so a record the caller may not see is null. One query names every pinned record of
 * a page of comments (`anchor { record { ... on Observation { code { display } effectiveAt } } }`).
 */
export const ChartAnchorRecord = createUnionType({
  name: 'ChartAnchorRecord',
  description: 'The chart record a comment is pinned to, as the subgraph that owns it shows it to the caller',
  types: () => anchoredRecordTypes as [(typeof anchoredRecordTypes)[number], ...(typeof anchoredRecordTypes)[number][]],
  resolveType: (record) => (record as AnchorReference).__typename,
});

interface AnchorReference extends EntityStubShape {
  __typename: ChartAnchorType;
}

@Resolver(() => ChartCommentAnchor)
export class ChartCommentAnchorResolver {
  @FieldResolver(() => ChartAnchorRecord, {
    nullable: true,
    description: 'The record, read from the subgraph that owns it; null when the caller may not see it or it no longer exists',
  })
  record(@Root() anchor: ChartCommentAnchor): AnchorReference {
    // the anchor type's values are the record types' names (FHIR resource types)
    return { __typename: anchor.type, id: anchor.id };
  }
}
