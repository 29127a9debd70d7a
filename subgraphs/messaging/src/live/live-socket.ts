import type { AuthenticatedCaller, Principal } from '@caregraph/platform';
import type { Socket } from 'socket.io';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** What the server keeps about each connection (socket.data). */
export interface LiveSocketData {
  /** The gateway's assertion of the user, kept to ask the access policy as them until it expires. */
  caller: AuthenticatedCaller & { principal: UserPrincipal };
  displayName: string | null;
  /** Set when the server closes the connection because the access token ran out: the client comes back with a fresh one. */
  expired?: boolean;
}

type AnyEvents = Record<string, (...args: any[]) => void>;
export type LiveSocket = Socket<AnyEvents, AnyEvents, AnyEvents, LiveSocketData>;

/** Messages between messaging instances (Socket.IO serverSideEmit), never seen by clients. */
export const CLUSTER = {
  chartEvent: 'cluster:chart-event',
  viewers: 'cluster:viewers',
  recheck: 'cluster:recheck',
  sessionEnded: 'cluster:session-ended',
} as const;
