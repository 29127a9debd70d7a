import { useMutation, useQuery } from '@apollo/client';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { CommentPanel, type AnchorChoice } from '../comments/CommentPanel';
import { useAnchorLabels } from '../comments/anchor-labels';
import { useLiveCommentFeed } from '../comments/live-feed';
import { graphql } from '../gql';
import type { ChartHeaderQuery } from '../gql/graphql';
import { describeProblem } from '../ui/errors';
import { ageOn, formatDate, formatDateTime, humanize, personName } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import { breakGlassUntil, rememberBreakGlass } from './break-glass';
import { AllergyBanner } from './AllergyBanner';
import { ChartNav, ChartSections } from './chart-sections';
import { DownloadRecordButton } from '../ui/DownloadRecordButton';

const CHART_HEADER = graphql(`
  query ChartHeader($id: ID!) {
    patient(id: $id) {
      id
      birthDate
      gender
      deceased
      names { ...NameParts }
      registrations {
        id
        mrn
        status
        organization {
          id
          name
        }
      }
      allergies(first: 20) {
        totalCount
        edges {
          node {
            ...AllergyBannerParts
          }
        }
      }
    }
  }
`);

const BREAK_GLASS = graphql(`
  mutation BreakGlass($patientId: ID!, $reason: String!) {
    breakGlass(patientId: $patientId, reason: $reason) {
      id
      expiresAt
    }
  }
`);

type ChartPatient = NonNullable<ChartHeaderQuery['patient']>;

function BreakGlassForm({ patientId, onGranted }: { patientId: string; onGranted(): void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [breakGlass, { loading }] = useMutation(BREAK_GLASS);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim().length < 10) return setError('Give the reason in at least 10 characters.');
    try {
      const { data } = await breakGlass({ variables: { patientId, reason: reason.trim() } });
      if (data) rememberBreakGlass(patientId, data.breakGlass.expiresAt);
      onGranted();
    } catch (failure) {
      const problem = describeProblem(failure as Error);
      setError(problem.code === 'NOT_FOUND' ? 'There is no patient with this ID.' : problem.message);
    }
  };
  return (
    <div className="page narrow">
      <h1>This chart is not open to you</h1>
      <p>
        The patient is not registered at your organization and has not shared their record with it. In an emergency you may open the
        chart for 60 minutes (<em>break the glass</em>). Every read is recorded and reviewed by compliance, and the patient sees it in
        their access history.
      </p>
      <form className="card form" onSubmit={submit}>
        <label>
          Reason for emergency access
          <textarea value={reason} onChange={(e) => { setReason(e.target.value); setError(undefined); }} rows={3} maxLength={500} aria-invalid={error ? true : undefined} aria-describedby={error ? 'break-glass-error' : undefined} />
        </label>
        {error ? (
          <p id="break-glass-error" className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="row">
          <button type="submit" className="danger" disabled={loading}>
            {loading ? 'Opening…' : 'Break the glass and open the chart'}
          </button>
          <Link to="/care">Back to the worklist</Link>
        </div>
      </form>
    </div>
  );
}

function ChartHeader({ patient, breakGlassExpiresAt }: { patient: ChartPatient; breakGlassExpiresAt?: string }) {
  const age = ageOn(patient.birthDate);
  return (
    <header className="chart-header card">
      {breakGlassExpiresAt ? (
        <p className="break-glass-flag" role="alert">
          Emergency access (break-glass) until {formatDateTime(breakGlassExpiresAt)}. Every read is audited and reported.
        </p>
      ) : null}
      <div className="card-head">
        <h1>{personName(patient.names)}</h1>
        <span className="chart-actions">
          <Link to={`/inbox/new?patient=${encodeURIComponent(patient.id)}`}>Message about this patient</Link>
          <DownloadRecordButton patientId={patient.id} />
        </span>
      </div>
      <p className="demographics">
        {humanize(patient.gender)}, born {formatDate(patient.birthDate)}
        {age !== undefined ? ` (${age} years)` : ''}
        {patient.deceased ? ', deceased' : ''}
      </p>
      <ul className="registrations" aria-label="Registrations">
        {patient.registrations.map((registration) => (
          <li key={registration.id} className={registration.status === 'ACTIVE' ? '' : 'muted'}>
            {registration.organization.name}: MRN {registration.mrn}
            {registration.status === 'ACTIVE' ? '' : ' (inactive)'}
          </li>
        ))}
      </ul>
      <AllergyBanner allergies={patient.allergies?.edges.map((edge) => edge.node)} />
    </header>
  );
}

function OpenChart({ patient, reload }: { patient: ChartPatient; reload(): void }) {
  const feed = useLiveCommentFeed(patient.id);
  // `?comment=<id>`: a link to one comment (a mention notification's), brought into view in the panel
  const [params] = useSearchParams();
  const [anchor, setAnchor] = useState<AnchorChoice | null>(null);
  const [anchorLabels, setAnchorLabels] = useState<Record<string, string>>({});
  // pinned by a colleague during this visit (over the socket, without the record's words): named once their records are read
  const loadedLabels = useAnchorLabels(feed.comments.flatMap((comment) => (comment.anchor && !comment.anchor.label && !comment.deleted ? [{ id: comment.id, anchor: comment.anchor }] : [])));
  const pin = (choice: AnchorChoice) => {
    setAnchor(choice);
    setAnchorLabels((labels) => ({ ...labels, [choice.id]: choice.label }));
    document.getElementById('comments-heading')?.scrollIntoView({ block: 'start' });
    (document.querySelector('.comment-panel textarea') as HTMLTextAreaElement | null)?.focus();
  };
  return (
    <div className="chart-layout">
      <div className="chart-main">
        <ChartHeader patient={patient} breakGlassExpiresAt={breakGlassUntil(patient.id)} />
        <ChartNav>
          <button type="button" onClick={reload}>
            Reload chart
          </button>
        </ChartNav>
        <ChartSections patientId={patient.id} onComment={pin} />
      </div>
      <CommentPanel
        feed={feed}
        anchor={anchor}
        onClearAnchor={() => setAnchor(null)}
        focusCommentId={params.get('comment') ?? undefined}
        describeAnchor={(a) => {
          if (!a) return '';
          const kind = a.type.toLowerCase().replace(/_/g, ' ');
          return a.label ?? anchorLabels[a.id] ?? loadedLabels[a.id] ?? `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
        }}
      />
    </div>
  );
}

/** The shared chart: header, sections and comments, or the break-glass form when it is not open to the caller. */
export function ChartPage() {
  const { patientId = '' } = useParams();
  const { data, loading, error, refetch } = useQuery(CHART_HEADER, { variables: { id: patientId }, notifyOnNetworkStatusChange: true });
  const reload = () => void refetch();
  if (error) return <ErrorState error={error} retry={reload} what="the chart" />;
  if (loading || !data) return <Loading what="the chart" />;
  if (!data.patient) return <BreakGlassForm patientId={patientId} onGranted={reload} />;
  return <OpenChart key={data.patient.id} patient={data.patient} reload={reload} />;
}
