import { randomUUID } from 'node:crypto';
import type { SubgraphDefinition } from '@caregraph/platform';
import { createMessagingContext, type MessagingContext } from '../../subgraphs/messaging/src/context';
import type { LiveHub } from '../../subgraphs/messaging/src/live/live-hub';
import { messagesFeature } from '../../subgraphs/messaging/src/messages.feature';
import { createMessagingSubgraph } from '../../subgraphs/messaging/src/subgraph';
import { staff, withSql, type UserPrincipal } from './principals';

/** What a LiveHub was asked to do, in order. */
export interface RecordingLiveHub extends LiveHub {
  toUsers: { userId: string; event: string; payload: any }[];
  toCharts: { patientId: string; event: string; payload: any }[];
  rechecks: string[];
}

/** A LiveHub that records instead of reaching sockets (for consumers and services tested without a socket server). */
export function recordingLiveHub(): RecordingLiveHub {
  const hub: RecordingLiveHub = {
    toUsers: [],
    toCharts: [],
    rechecks: [],
    toUser: (userId, event, payload) => void hub.toUsers.push({ userId, event, payload }),
    toChart: (patientId, event, payload) => void hub.toCharts.push({ patientId, event, payload }),
    recheckChart: async (patientId) => void hub.rechecks.push(patientId),
  };
  return hub;
}

/** The messaging subgraph with `live` as its hub (contexts and the messages workers), without a socket server. */
export function messagingWithHub(live: LiveHub): SubgraphDefinition<MessagingContext> {
  return {
    ...createMessagingSubgraph(),
    attach: undefined,
    createContext: (base) => createMessagingContext(base, live),
    workers: (services) => messagesFeature.workers({ ...services, live }),
  };
}

/**
 * A clinician as the messaging directory knows them (a row of messaging.directory_account, as the
 * identity.account consumer writes it), and as the gateway would assert them.
 */
export async function insertClinician(databaseUrl: string, organizationId: string, options: { role?: 'physician' | 'nurse'; practitionerId?: string | null; displayName?: string; active?: boolean } = {}): Promise<UserPrincipal> {
  const principal = staff(options.role ?? 'physician', organizationId);
  await withSql(databaseUrl, (sql) => sql(
    `insert into messaging.directory_account (user_id, role, organization_id, practitioner_id, display_name, active, last_event_id) values ($1, $2, $3, $4, $5, $6, 0)`,
    [principal.userId, principal.role, organizationId, options.practitionerId ?? null, options.displayName ?? `Dr ${randomUUID().slice(0, 6)}`, options.active ?? true],
  ));
  return principal;
}

