import { PageArgs, entityStub, selectsTotalCount, stubReference, type EntityStubShape } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { MessagingContext } from '../context';
import { ChartAnchorType } from './comment.entity';
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
