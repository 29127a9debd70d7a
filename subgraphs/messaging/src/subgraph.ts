import type { Logger, SubgraphDefinition } from '@caregraph/platform';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ChartCommentAnchorResolver, anchoredCommentsResolvers, anchoredRecordReferences, anchoredRecordTypes } from './comment/anchored-comments.resolver';
import { ChartComment, ChartCommentVersion } from './comment/comment.entity';
import { chartCommentReference } from './comment/comment.reference';
import { ChartCommentResolver, ChartCommentVersionResolver, PatientChartCommentsResolver } from './comment/comment.resolver';
import { createMessagingContext, type MessagingContext } from './context';
import { postgresAdapter, redisAdapter } from './live/adapter';
import { NO_LIVE_HUB, type LiveExtension, type LiveHub } from './live/live-hub';
import { startSessionEndedConsumer } from './live/session-ended';
import { LiveServer } from './live/socket-server';
import { messagesFeature } from './messages.feature';
import { migrations } from './migrations';
import { patientReference } from './stubs';

export interface MessagingOptions {
  /** Rooms shared through Redis pub/sub (REDIS_URL); unset: through the messaging database (Postgres LISTEN/NOTIFY). */
  redisUrl?: string;
  /** The Redis channel prefix (one per deployment sharing a Redis; tests use their own). */
  redisKey?: string;
  /** How long a viewer whose token ran out still shows in presence while their client reconnects (default 15 s). */
  expiredViewerGraceMs?: number;
}

/** What background work gets: the database, the logger, and the live hub. */
export interface MessagingWorkerServices {
  orm: MikroORM;
  logger: Logger;
  live: LiveHub;
}
type Worker = (services: MessagingWorkerServices) => Promise<{ stop(): Promise<void> }>;

/** Features plugged into the socket server (their client → server events, display names for presence). */
const LIVE_EXTENSIONS: LiveExtension[] = [messagesFeature.liveExtension];
/** Background work started with the service (event consumers); each stopped on close. */
const WORKERS: Worker[] = [messagesFeature.workers];

export interface MessagingSubgraph extends SubgraphDefinition<MessagingContext> {
  /** The running socket server (after startSubgraphServer), e.g. for tests and the bench. */
  liveServer(): LiveServer | undefined;
}

/**
 * The messaging subgraph: comments on patients' charts, live over Socket.IO (live/), later
 * provider messages and notifications. One definition per running server: each gets its own
 * socket server, which the request contexts reach as `ctx.live`.
 */
export function createMessagingSubgraph(options: MessagingOptions = {}): MessagingSubgraph {
  let live: LiveServer | undefined;
  // request contexts and workers may be created before the socket server: they find it when they call
  const hub: LiveHub = {
    toChart: (...args) => (live ?? NO_LIVE_HUB).toChart(...args),
    toUser: (...args) => (live ?? NO_LIVE_HUB).toUser(...args),
    recheckChart: (...args) => (live ?? NO_LIVE_HUB).recheckChart(...args),
  };
  return {
    name: 'messaging',
    database: { schema: 'messaging', entities: [ChartComment, ChartCommentVersion, ...messagesFeature.entities], migrations },
    resolvers: [ChartCommentResolver, ChartCommentVersionResolver, PatientChartCommentsResolver, ChartCommentAnchorResolver, ...anchoredCommentsResolvers, ...messagesFeature.resolvers],
    referenceResolvers: { ...chartCommentReference, ...patientReference, ...anchoredRecordReferences },
    orphanedTypes: anchoredRecordTypes,
    createContext: (base) => createMessagingContext(base, hub),
    attach: async (server, services) => {
      const adapter = options.redisUrl ? redisAdapter(options.redisUrl, services.logger, options.redisKey) : postgresAdapter(services.orm.config.get('clientUrl')!, services.logger);
      live = await LiveServer.attach(server, services, { adapter, extensions: LIVE_EXTENSIONS, expiredViewerGraceMs: options.expiredViewerGraceMs });
      return { close: async () => live?.close() };
    },
    workers: async ({ orm, logger }) => {
      const services: MessagingWorkerServices = { orm, logger, live: hub };
      const started: { stop(): Promise<void> }[] = [await startSessionEndedConsumer({ orm, logger, endSession: (sessionId) => live?.endSession(sessionId) })];
      for (const worker of WORKERS) started.push(await worker(services));
      return { stop: async () => void (await Promise.all(started.map((work) => work.stop()))) };
    },
    liveServer: () => live,
  };
}

/** One messaging server's definition (tests, composition); main.ts builds its own from the environment. */
export const messagingSubgraph = createMessagingSubgraph();
