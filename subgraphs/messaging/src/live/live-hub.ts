import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessagingContext } from '../context';

/**
 * How the rest of the messaging service reaches connected clients, on every instance (the
 * Socket.IO adapter carries room broadcasts across instances). A GraphQL mutation and a socket
 * event end in the same call, so both produce the same broadcast. Implemented by live/socket-server.ts;
 * NO_LIVE_HUB until the socket server is attached (and in subgraph tests without sockets).
 *
 * Chart comment changes do not come through here: the comment service announces them in its
 * transaction and the database delivers them at commit, in commit order (comment/comment-log.ts),
 * so every instance sends a chart's changes in seq order and none is announced that did not commit.
 *
 * Contract with the rest of messaging (provider messages, notifications):
 * - Call the hub AFTER your transaction commits (a rolled-back write must not be announced).
 * - `ctx.live` on every request context (GraphQL and socket events); workers get it as
 *   `services.live` (subgraph.ts, MessagingWorkerServices).
 * - Mentions in chart comments are not delivered here: the comment service publishes the outbox
 *   event MENTION_TOPIC (`messaging.chart-comment-mention`, payload ChartCommentMentionPayload in
 *   comment/comment-events.ts) in the comment's transaction, once per newly mentioned practitioner
 *   set (an edit publishes only practitioners it adds). A notifications consumer maps practitioner
 *   ids to user accounts and calls `toUser(userId, 'notification:new', ...)`.
 *   (L2's consumer, notifications/mentions.ts, reads commentId, patientId (= the key),
 *   author.userId and practitionerIds; a contract test checks topic and fields.)
 * - Client → server events other than L1's (`message:*`, `thread:*`, `notification:*`) are
 *   registered as a LiveExtension (below) in subgraph.ts's LIVE_EXTENSIONS list.
 *   (L2's: messages.feature.ts `messagesFeature.liveExtension`; its workers:
 *   `messagesFeature.workers({ orm, logger, live })`; entities and resolvers: `messagesFeature.*`.)
 */
export interface LiveHub {
  /** To every socket viewing the patient's chart (room `chart:<patientId>`). */
  toChart(patientId: string, event: string, payload: unknown): void;
  /** To every socket of one signed-in user (room `user:<userId>`): notifications, direct messages. */
  toUser(userId: string, event: string, payload: unknown): void;
  /**
   * Decides access again for every socket in the chart's room (consent revoked, registration ended,
   * break-glass expired): sockets whose user may no longer read the patient leave the room at once
   * and get `chart:removed`.
   */
  recheckChart(patientId: string): Promise<void>;
}

export const NO_LIVE_HUB: LiveHub = {
  toChart: () => undefined,
  toUser: () => undefined,
  recheckChart: async () => undefined,
};

/** Room names, one place. */
export const chartRoom = (patientId: string): string => `chart:${patientId.toLowerCase()}`;
export const userRoom = (userId: string): string => `user:${userId}`;

/** Every client → server event is acknowledged with one of these (an error may carry details such as CONFLICT's currentVersion). */
export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; field?: string } & Record<string, unknown> };

/**
 * What a socket event handler gets: a request context for the socket's user (principal, access
 * gate asking the policy as that user, audit, `live`), fresh for each event, and who sent it.
 */
export interface LiveCall {
  ctx: MessagingContext;
  socket: { id: string; userId: string; sessionId: string };
  /** Runs `step` right after the ack is sent, in the same tick (e.g. to send what must follow the ack). */
  afterAck(step: () => void): void;
}

/**
 * Answers one client → server event. The payload is untrusted (validate it). Return the ack's
 * `data`; throw an AppError (badInput, notFound, forbidden, conflict) for `{ ok: false, error }`
 * with its code and field; anything else is answered INTERNAL_SERVER_ERROR and logged without
 * the payload. The socket server writes the audit rows the context collected after each event.
 */
export type LiveEventHandler = (payload: unknown, call: LiveCall) => Promise<unknown>;

/** A feature plugged into the socket server (subgraph.ts, LIVE_EXTENSIONS). */
export interface LiveExtension {
  /** Client → server events by name, e.g. `{ 'message:send': ..., 'message:read': ... }`. */
  events?: Record<string, LiveEventHandler>;
  /** A user's display name for presence (e.g. from the clinician directory); null when unknown. */
  displayName?(em: EntityManager, userId: string): Promise<string | null>;
}
