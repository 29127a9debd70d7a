import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { ChartComment } from './comment/comment.entity';
import { ChartCommentService } from './comment/comment.service';

/** The messaging subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface MessagingContext extends RequestContext {
  chartComments: ChartCommentService;
  loaders: {
    /** Batches comment lookups (`chartComment(id)`, `parent`, `_entities`) into one query per tick. */
    chartComment: DataLoader<string, ChartComment | null>;
  };
}


export function createMessagingContext(base: RequestContext): MessagingContext {
  const chartComments = new ChartCommentService(base);
  return {
    ...base,
    chartComments,
    loaders: {
      chartComment: new DataLoader(async (ids) => chartComments.visibleByIds(ids)),
    },
  };
}
