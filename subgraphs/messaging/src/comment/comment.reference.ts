import type { MessagingContext } from '../context';

/** `_entities` resolution for ChartComment (e.g. for a notification feed in another subgraph). */
export const chartCommentReference = {
  ChartComment: {
    __resolveReference: (ref: { id: string }, ctx: MessagingContext) => ctx.loaders.chartComment.load(ref.id),
  },
};
