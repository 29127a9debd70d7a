import { anchorTypeFromName } from '../comment/comment-events';
import type { CommentWrite } from '../comment/comment.service';
import { AddChartCommentInput, DeleteChartCommentInput, EditChartCommentInput } from '../comment/comment.inputs';
import type { LiveEventHandler } from './live-hub';
import { parsePayload } from './payloads';

/** The ack of a comment write: the change's event (as broadcast), and whether it was a retry. */
const acked = ({ event, duplicate }: CommentWrite) => ({ ...event, duplicate });

/** The anchor's type as its GraphQL enum name (OBSERVATION), like every other field of the payload. */
const withStoredAnchorType = (raw: Record<string, unknown>) => {
  const anchor = raw.anchor;
  return anchor && typeof anchor === 'object' && !Array.isArray(anchor) ? { ...raw, anchor: { ...anchor, type: anchorTypeFromName((anchor as { type?: unknown }).type) } } : raw;
};

/**
 * comment:add, comment:edit and comment:delete take the GraphQL mutations' inputs and run the same
 * service, so a socket event and a mutation produce the same broadcast.
 */
export const commentHandlers: Record<string, LiveEventHandler> = {
  'comment:add': async (payload, { ctx }) => acked(await ctx.chartComments.add(await parsePayload(AddChartCommentInput, payload, withStoredAnchorType))),
  'comment:edit': async (payload, { ctx }) => acked(await ctx.chartComments.edit(await parsePayload(EditChartCommentInput, payload))),
  'comment:delete': async (payload, { ctx }) => acked(await ctx.chartComments.remove(await parsePayload(DeleteChartCommentInput, payload))),
};
