import type { SubgraphDefinition } from '@caregraph/platform';
import { ChartComment } from './comment/comment.entity';
import { chartCommentReference } from './comment/comment.reference';
import { ChartCommentResolver, PatientChartCommentsResolver } from './comment/comment.resolver';
import { createMessagingContext, type MessagingContext } from './context';
import { migrations } from './migrations';
import { patientReference } from './stubs';

/** The messaging subgraph: comments on patients' charts (later live threads and notifications). */
export const messagingSubgraph: SubgraphDefinition<MessagingContext> = {
  name: 'messaging',
  database: { schema: 'messaging', entities: [ChartComment], migrations },
  resolvers: [ChartCommentResolver, PatientChartCommentsResolver],
  referenceResolvers: { ...chartCommentReference, ...patientReference },
  createContext: createMessagingContext,
};
