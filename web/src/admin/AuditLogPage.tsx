import { useQuery } from '@apollo/client';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useMe } from '../auth/me';
import type { AuditLogQuery, AuditOutcome } from '../gql/graphql';
import { PagedTable, useKeysetPages, type Column } from '../ui/DataTable';
import { formatDateTime, humanize } from '../ui/format';
import { Section } from '../ui/states';
import {
  AUDIT_ACTIONS, AUDIT_OUTCOMES, auditEventsVariables, auditFilterFromParams, BREAK_GLASS_REVIEW, NO_AUDIT_FILTER, paramsFromAuditFilter, type AuditFilter,
} from './audit-filter';
import { AUDIT_EVENTS } from './queries';

const PAGE_SIZE = 50;

type AuditEvent = AuditLogQuery['auditEvents']['edges'][number]['node'];

function Filters({ filter, onApply }: { filter: AuditFilter; onApply(next: AuditFilter): void }) {
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const set = (change: Partial<AuditFilter>) => setDraft({ ...draft, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  return (
    <form className="card filters" onSubmit={submit} aria-label="Audit log filters">
      <fieldset>
        <legend>Action</legend>
        {AUDIT_ACTIONS.map((action) => (
          <label key={action} className="check">
            <input
              type="checkbox"
              checked={draft.action.includes(action)}
              onChange={() => set({ action: draft.action.includes(action) ? draft.action.filter((a) => a !== action) : [...draft.action, action] })}
            />
            {humanize(action)}
          </label>
        ))}
      </fieldset>
      <div className="row wrap">
        <label>
          Actor ID
          <input value={draft.actorId} onChange={(e) => set({ actorId: e.target.value })} placeholder="user id or partner app" />
        </label>
        <label>
          Patient ID
          <input value={draft.patientId} onChange={(e) => set({ patientId: e.target.value })} />
        </label>
        <label>
          From
          <input type="datetime-local" value={draft.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label>
          Before
          <input type="datetime-local" value={draft.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <label>
          Outcome
          <select value={draft.outcome} onChange={(e) => set({ outcome: e.target.value as AuditOutcome | '' })}>
            <option value="">Any outcome</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {humanize(outcome)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.breakGlass} onChange={(e) => set({ breakGlass: e.target.checked })} />
          Break-glass only
        </label>
      </div>
      <div className="row wrap">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={() => onApply(BREAK_GLASS_REVIEW)}>
          Break-glass to review
        </button>
        <button type="button" onClick={() => onApply(NO_AUDIT_FILTER)}>
          Clear
        </button>
      </div>
    </form>
  );
}

/**
 * The organization's audit log for compliance officers: who did what to which record, when, and
 * under break-glass or not; newest first, filters in the URL, keyset pages.
 */
export function AuditLogPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const filter = useMemo(() => auditFilterFromParams(new URLSearchParams(key)), [key]);
  const pages = useKeysetPages(key);
  const result = useQuery(AUDIT_EVENTS, { variables: { ...auditEventsVariables(filter), first: PAGE_SIZE, after: pages.after } });
  const narrow = (change: Partial<AuditFilter>) => setParams(paramsFromAuditFilter({ ...filter, ...change }));

  const columns: Column<AuditEvent>[] = [
    { header: 'When', cell: (event) => <time dateTime={event.occurredAt}>{formatDateTime(event.occurredAt)}</time> },
    {
      header: 'Actor',
      cell: (event) => (
        <>
          {event.actorName ?? (event.actorId ? <code>{event.actorId}</code> : <span className="muted">anonymous</span>)}
          <div className="muted">
            {event.actorType === 'USER' ? humanize(event.actorRole) : humanize(event.actorType)}
            {event.actorId && event.actorName ? (
              <>
                {' · '}
                <button type="button" className="link" onClick={() => narrow({ actorId: event.actorId ?? '' })} aria-label={`Only events by ${event.actorName}`}>
                  only theirs
                </button>
              </>
            ) : null}
          </div>
        </>
      ),
    },
    {
      header: 'Organization',
      cell: (event) =>
        event.actorOrganizationId === me.organizationId && me.organizationName ? me.organizationName : event.actorOrganizationId ? <code>{event.actorOrganizationId}</code> : '—',
    },
    {
      header: 'Action',
      cell: (event) => (
        <>
          {humanize(event.action)}
          {event.breakGlass ? (
            <>
              {' '}
              <span className="tag tag-warn">Break-glass</span>
            </>
          ) : null}
        </>
      ),
    },
    { header: 'Records', cell: (event) => (event.recordTypes.length ? event.recordTypes.join(', ') : '—') },
    {
      header: 'Patient',
      cell: (event) =>
        event.patientId ? (
          <>
            <code>{event.patientId}</code>
            <div>
              <button type="button" className="link" onClick={() => narrow({ patientId: event.patientId ?? '' })} aria-label={`Only events on patient ${event.patientId}`}>
                only this patient
              </button>
            </div>
          </>
        ) : (
          '—'
        ),
    },
    { header: 'Outcome', cell: (event) => humanize(event.outcome) },
    // a break-glass justification stays with the access (it may hold PHI), never in the log: purpose says "break-glass"
    { header: 'Purpose', cell: (event) => event.purpose ?? '—' },
  ];

  return (
    <div className="page">
      <h1>Audit log</h1>
      <p className="muted">What was done by people and partner apps acting for {me.organizationName ?? 'your organization'}, newest first.</p>
      <Filters filter={filter} onApply={(next) => setParams(paramsFromAuditFilter(next))} />
      <Section title={filter.breakGlass ? 'Break-glass events' : 'Events'} id="audit-events">
        <PagedTable
          query={result}
          connection={result.data?.auditEvents}
          what="the audit log"
          empty="No events match these filters."
          pages={pages}
          pagerLabel="Audit log pages"
          label="Audit events, newest first"
          testId="audit-events"
          columns={columns}
          rowKey={(event) => event.id}
          rowClassName={(event) => (event.breakGlass ? 'flagged' : undefined)}
        />
      </Section>
    </div>
  );
}
