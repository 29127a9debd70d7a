import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { ChartComment, type ChartCommentVersion } from './comment/comment.entity';
import { ChartCommentService } from './comment/comment.service';
import type { LiveHub } from './live/live-hub';

/** The messaging subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface MessagingContext extends RequestContext {
  chartComments: ChartCommentService;
  /** Connected sockets on every instance (live/live-hub.ts): announce changes after they commit. */
  live: LiveHub;
  loaders: {
    /** Batches comment lookups (`chartComment(id)`, `parent`, `_entities`) into one query per tick. */
    chartComment: DataLoader<string, ChartComment | null>;
    /** Deleted comments by id (`ChartComment.deletedParent`): what replies show of the comment they answered. */
    deletedChartComment: DataLoader<string, ChartComment | null>;
    /** Every version of each comment, oldest first (`ChartComment.versions`). */
    chartCommentVersions: DataLoader<string, ChartCommentVersion[]>;
  };
}

export function createMessagingContext(base: RequestContext, live: LiveHub): MessagingContext {
  const chartComments = new ChartCommentService(base);
  return {
    ...base,
    chartComments,
    live,
    loaders: {
      chartComment: new DataLoader(async (ids) => chartComments.visibleByIds(ids)),
      deletedChartComment: new DataLoader(async (ids) => chartComments.deletedByIds(ids)),
      chartCommentVersions: new DataLoader(async (ids) => chartComments.versionsOf(ids)),
    },
  };
}
