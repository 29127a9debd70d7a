import { publishEvents, type EntityManager } from '@caregraph/platform';

/**
 * `patient.access-narrowing`: who may see a patient narrows (or will, at `effectiveAt`), so
 * services holding live views of the record decide access again then (the messaging subgraph
 * removes sockets from the chart's room). Key: the patient id. Published in the transaction of the
 * change: a consent revoked, a registration ended (at once); a consent with an end date or a
 * break-glass window (their expiry, announced when they open: expiry is time-based, nothing is
 * written when it passes). Ids only: who lost what is decided again by the access policy.
 */
export const ACCESS_NARROWING_TOPIC = 'patient.access-narrowing';

export type AccessNarrowingReason = 'consent-revoked' | 'consent-expires' | 'registration-ended' | 'break-glass-expires';

export interface AccessNarrowingPayload {
  patientId: string;
  reason: AccessNarrowingReason;
  /** When access narrows (ISO 8601): now for a revocation, the expiry for what expires. */
  effectiveAt: string;
  /** The organization whose access narrows (consent, registration); null for break-glass. */
  organizationId: string | null;
  /** The user whose access narrows (break-glass); null otherwise. */
  userId: string | null;
}

export interface AccessNarrowing {
  patientId: string;
  reason: AccessNarrowingReason;
  effectiveAt: Date;
  organizationId?: string | null;
  userId?: string | null;
}

/** One event per narrowing, in the caller's transaction. */
export async function publishAccessNarrowing(em: EntityManager, narrowings: readonly AccessNarrowing[]): Promise<void> {
  await publishEvents(em, narrowings.map((narrowing) => {
    const payload: AccessNarrowingPayload = {
      patientId: narrowing.patientId.toLowerCase(),
      reason: narrowing.reason,
      effectiveAt: narrowing.effectiveAt.toISOString(),
      organizationId: narrowing.organizationId?.toLowerCase() ?? null,
      userId: narrowing.userId ?? null,
    };
    return { topic: ACCESS_NARROWING_TOPIC, key: payload.patientId, payload, producer: 'patients' };
  }));
}
