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

/** Orders batch results like the requested keys (null where missing), as DataLoader requires. */
export function byIds<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id.toLowerCase()) ?? null);
}

export function createMessagingContext(base: RequestContext): MessagingContext {
  const chartComments = new ChartCommentService(base);
  return {
    ...base,
    chartComments,
    loaders: {
      chartComment: new DataLoader(async (ids) => byIds(ids, await chartComments.findByIds(ids))),
    },
  };
}
