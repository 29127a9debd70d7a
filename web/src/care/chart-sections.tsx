import { useQuery } from '@apollo/client';
import { lazy, type ReactNode } from 'react';
import type { AnchorChoice } from '../comments/CommentPanel';
import { graphql } from '../gql';
import { formatDate, formatDateTime, humanize, personName } from '../ui/format';
import { Deferred } from '../ui/Deferred';
import { appendPage, MoreButton } from '../ui/paging';
import { Empty, QueryState, Section } from '../ui/states';
import { loadTrendPlot } from './load-trend-plot';
import { vitalName } from './vital-names';
import type { TrendLine } from './TrendPlot';

// recharts only where a plot is drawn (load-trend-plot.ts)
const TrendPlot = lazy(() => loadTrendPlot().then((module) => ({ default: module.TrendPlot })));

/** LOINC codes of the trend plots. */
export const TREND_CODES = { bloodPressure: '85354-9', weight: '29463-7', bmi: '39156-5', hba1c: '4548-4' } as const;

const CHART_SUMMARY = graphql(`
  query ChartSummary($id: ID!, $page: Int!, $problemsAfter: String, $medicationsAfter: String) {
    patient(id: $id) {
      id
      activeProblems(first: $page, after: $problemsAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            onsetAt
            code {
              display
              code
            }
            organization {
              name
            }
          }
        }
      }
      activeMedications(first: $page, after: $medicationsAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            authoredOn
            dosageText
            code {
              display
              code
            }
            organization {
              name
            }
          }
        }
      }
      latestVitals {
        id
        effectiveAt
        code {
          code
          display
        }
        valueQuantity {
          value
          unit
        }
        components {
          code {
            code
            display
          }
          valueQuantity {
            value
            unit
          }
        }
        organization {
          name
        }
      }
      careGaps(includeMet: false, includeNotApplicable: false) {
        status
        dueDate
        lastMetAt
        reason
        rule {
          code
          title
        }
      }
    }
  }
`);

const CHART_ENCOUNTERS = graphql(`
  query ChartEncounters($id: ID!, $first: Int!, $after: String, $linked: Int!) {
    patient(id: $id) {
      id
      encounters(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            periodStart
            periodEnd
            classCode
            status
            locationName
            visitSummary
            type {
              display
            }
            reasons {
              display
            }
            organization {
              name
            }
            participants {
              id
              names { ...NameParts }
            }
            conditions(first: $linked) {
              id
              code {
                display
              }
            }
            procedures(first: $linked) {
              id
              code {
                display
              }
            }
          }
        }
      }
    }
  }
`);

const CHART_TRENDS = graphql(`
  query ChartTrends($id: ID!, $bp: String!, $weight: String!, $bmi: String!, $hba1c: String!) {
    patient(id: $id) {
      id
      bloodPressure: observationSeries(code: $bp) {
        ...TrendPointFields
      }
      weight: observationSeries(code: $weight) {
        ...TrendPointFields
      }
      bmi: observationSeries(code: $bmi) {
        ...TrendPointFields
      }
      hba1c: observationSeries(code: $hba1c) {
        ...TrendPointFields
      }
    }
  }
  fragment TrendPointFields on ObservationPoint {
    observationId
    effectiveAt
    value
    systolic
    diastolic
    unit
    organization {
      name
    }
  }
`);

const CHART_RESULTS = graphql(`
  query ChartResults($id: ID!, $first: Int!, $labsAfter: String, $reportsAfter: String) {
    patient(id: $id) {
      id
      labs: observations(category: LABORATORY, first: $first, after: $labsAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            effectiveAt
            code {
              display
              code
            }
            valueQuantity {
              value
              unit
            }
            valueString
            interpretation {
              code
              display
            }
            organization {
              name
            }
          }
        }
      }
      diagnosticReports(first: $first, after: $reportsAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            effectiveAt
            status
            conclusion
            code {
              display
            }
            organization {
              name
            }
            results {
              id
              code {
                display
              }
              valueQuantity {
                value
                unit
              }
            }
          }
        }
      }
    }
  }
`);

const CHART_IMMUNIZATIONS = graphql(`
  query ChartImmunizations($id: ID!, $first: Int!, $after: String) {
    patient(id: $id) {
      id
      immunizations(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            occurredAt
            status
            vaccineCode {
              display
              code
            }
            organization {
              name
            }
          }
        }
      }
    }
  }
`);

const CHART_IMAGING = graphql(`
  query ChartImaging($id: ID!, $first: Int!, $after: String) {
    patient(id: $id) {
      id
      imagingStudies(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            startedAt
            description
            numberOfSeries
            numberOfInstances
            modalities {
              code
              display
            }
            bodySites {
              display
            }
            organization {
              name
            }
          }
        }
      }
    }
  }
`);

const CHART_NOTES = graphql(`
  query ChartNotes($id: ID!, $first: Int!, $after: String) {
    patient(id: $id) {
      id
      clinicalNotes(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id
            title
            text
            version
            createdAt
            updatedAt
            authorPractitioner {
              id
              names { ...NameParts }
            }
            organization {
              name
            }
          }
        }
      }
    }
  }
`);

function Source({ organization }: { organization?: { name: string } | null }) {
  return <span className="source">{organization?.name ?? 'Unknown organization'}</span>;
}

function shown(total: number | null | undefined, count: number): string {
  return total && total > count ? ` (newest ${count} of ${total})` : '';
}

type PatientLists = { patient?: object | null };

/**
 * fetchMore's updateQuery for one list on the patient (`field`, as the query names it): the next
 * page appended to the one shown, the rest of the query's result as it was.
 */
function appendPatientList<Q extends PatientLists>(field: string) {
  return (previous: Q, { fetchMoreResult }: { fetchMoreResult: Q }): Q => {
    const shownList = (previous.patient as Record<string, { edges: unknown[] } | null> | null | undefined)?.[field];
    const nextList = (fetchMoreResult.patient as Record<string, { edges: unknown[] } | null> | null | undefined)?.[field];
    if (!previous.patient || !shownList || !nextList) return previous;
    return { ...previous, patient: { ...previous.patient, [field]: appendPage(shownList, nextList) } };
  };
}

/** "20 of 56 encounters, newest first" above a list that has more than it shows. */
function ListMeta({ shownCount, total, what }: { shownCount: number; total: number | null | undefined; what: string }) {
  return total && total > shownCount ? <p className="meta">{`${shownCount} of ${total} ${what}, newest first`}</p> : null;
}

export function SummarySection({ patientId }: { patientId: string }) {
  const result = useQuery(CHART_SUMMARY, { variables: { id: patientId, page: 25 } });
  const moreProblems = (problemsAfter: string) => result.fetchMore({ variables: { problemsAfter }, updateQuery: appendPatientList('activeProblems') });
  const moreMedications = (medicationsAfter: string) => result.fetchMore({ variables: { medicationsAfter }, updateQuery: appendPatientList('activeMedications') });
  return (
    <Section title="Summary" id="summary">
      <QueryState {...result} data={result.data?.patient} what="the summary" retry={() => void result.refetch()}>
        {(patient) => (
          <div className="grid-2">
            <div>
              <h3>Active problems{shown(patient.activeProblems?.totalCount, patient.activeProblems?.edges.length ?? 0)}</h3>
              {patient.activeProblems?.edges.length ? (
                <ul className="list">
                  {patient.activeProblems.edges.map(({ node }) => (
                    <li key={node.id}>
                      {node.code.display ?? node.code.code} <span className="muted">since {formatDate(node.onsetAt)}</span> <Source organization={node.organization} />
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>No active problems.</Empty>
              )}
              <MoreButton pageInfo={patient.activeProblems?.pageInfo} load={moreProblems} what="more problems" />
              <h3>Medications{shown(patient.activeMedications?.totalCount, patient.activeMedications?.edges.length ?? 0)}</h3>
              {patient.activeMedications?.edges.length ? (
                <ul className="list">
                  {patient.activeMedications.edges.map(({ node }) => (
                    <li key={node.id}>
                      {node.code.display ?? node.code.code}
                      {node.dosageText ? ` — ${node.dosageText}` : ''} <Source organization={node.organization} />
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>No active medications.</Empty>
              )}
              <MoreButton pageInfo={patient.activeMedications?.pageInfo} load={moreMedications} what="more medications" />
            </div>
            <div>
              <h3>Latest vitals</h3>
              {patient.latestVitals?.length ? (
                <table className="table compact">
                  <tbody>
                    {patient.latestVitals.map((vital) => (
                      <tr key={vital.id}>
                        <th scope="row" title={vital.code.display ?? undefined}>
                          {vitalName(vital.code)}
                        </th>
                        <td>
                          {/* the value never breaks; its unit may go to the next line */}
                          <span className="nowrap">
                            {vital.valueQuantity
                              ? vital.valueQuantity.value
                              : vital.components.map((c) => c.valueQuantity?.value).filter((v) => v !== undefined).join(' / ')}
                          </span>{' '}
                          {(vital.valueQuantity ? vital.valueQuantity.unit : vital.components[0]?.valueQuantity?.unit) ?? ''}
                        </td>
                        <td>
                          <span className="muted nowrap">{formatDate(vital.effectiveAt)}</span> <Source organization={vital.organization} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <Empty>No vital signs recorded.</Empty>
              )}
              <h3 id="care-gaps-heading">Care gaps</h3>
              {patient.careGaps?.length ? (
                <ul className="list" aria-labelledby="care-gaps-heading">
                  {patient.careGaps.map((gap) => (
                    <li key={gap.rule.code}>
                      <span className={`tag ${gap.status === 'OVERDUE' ? 'tag-warn' : ''}`}>{humanize(gap.status)}</span> {gap.rule.title}{' '}
                      {/* a rule never met is due since the patient became eligible, decades ago for some: say so instead */}
                      <span className="muted nowrap">{gap.lastMetAt ? `due ${formatDate(gap.dueDate)}` : 'never recorded'}</span>
                      <div className="muted care-gap-reason">{gap.reason}</div>
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>No preventive care due.</Empty>
              )}
            </div>
          </div>
        )}
      </QueryState>
    </Section>
  );
}

export function EncountersSection({ patientId }: { patientId: string }) {
  const result = useQuery(CHART_ENCOUNTERS, { variables: { id: patientId, first: 20, linked: 10 } });
  const loadMore = (after: string) => result.fetchMore({ variables: { after }, updateQuery: appendPatientList('encounters') });
  return (
    <Section title="Encounters" id="encounters">
      <QueryState {...result} data={result.data?.patient?.encounters} what="encounters" retry={() => void result.refetch()}>
        {(encounters) =>
          encounters.edges.length ? (
            <>
              <ListMeta shownCount={encounters.edges.length} total={encounters.totalCount} what="encounters" />
              <ol className="timeline">
                {encounters.edges.map(({ node }) => (
                  <li key={node.id}>
                    <details>
                      <summary>
                        <strong>{formatDate(node.periodStart)}</strong> {node.type?.display ?? humanize(node.classCode)} <Source organization={node.organization} />
                      </summary>
                      <dl className="facts">
                        <dt>When</dt>
                        <dd>
                          {formatDateTime(node.periodStart)}
                          {node.periodEnd ? ` – ${formatDateTime(node.periodEnd)}` : ''}
                        </dd>
                        {node.reasons.length ? (
                          <>
                            <dt>Reason</dt>
                            <dd>{node.reasons.map((r) => r.display).join(', ')}</dd>
                          </>
                        ) : null}
                        {node.participants?.length ? (
                          <>
                            <dt>Seen by</dt>
                            <dd>{node.participants.map((p) => (p ? personName(p.names) : 'unknown')).join(', ')}</dd>
                          </>
                        ) : null}
                        {node.conditions.length ? (
                          <>
                            <dt>Diagnoses</dt>
                            <dd>{node.conditions.map((c) => c.code.display).join(', ')}</dd>
                          </>
                        ) : null}
                        {node.procedures.length ? (
                          <>
                            <dt>Procedures</dt>
                            <dd>{node.procedures.map((p) => p.code.display).join(', ')}</dd>
                          </>
                        ) : null}
                        <dt>Visit summary</dt>
                        <dd>{node.visitSummary ?? <span className="muted">No visit summary written.</span>}</dd>
                      </dl>
                    </details>
                  </li>
                ))}
              </ol>
              <MoreButton pageInfo={encounters.pageInfo} load={loadMore} what="older encounters" />
            </>
          ) : (
            <Empty>No encounters recorded.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

function CommentButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <button type="button" className="link" aria-label={`Comment on ${label}`} onClick={onClick}>
      Comment
    </button>
  );
}

const BP_LINES: TrendLine[] = [
  { key: 'systolic', label: 'Systolic' },
  { key: 'diastolic', label: 'Diastolic' },
];
const VALUE_LINE = (label: string): TrendLine[] => [{ key: 'value', label }];

/** Results and vitals with their trend plots; with `onComment` (the care team's chart) each result has a "Comment" button. */
export function ResultsSection({ patientId, onComment }: { patientId: string; onComment?(anchor: AnchorChoice): void }) {
  const trends = useQuery(CHART_TRENDS, {
    variables: { id: patientId, bp: TREND_CODES.bloodPressure, weight: TREND_CODES.weight, bmi: TREND_CODES.bmi, hba1c: TREND_CODES.hba1c },
  });
  const results = useQuery(CHART_RESULTS, { variables: { id: patientId, first: 25 } });
  const moreLabs = (labsAfter: string) => results.fetchMore({ variables: { labsAfter }, updateQuery: appendPatientList('labs') });
  const moreReports = (reportsAfter: string) => results.fetchMore({ variables: { reportsAfter }, updateQuery: appendPatientList('diagnosticReports') });
  const commentOn = (what: string) =>
    onComment && ((point: { observationId: string; effectiveAt: string }) => onComment({ type: 'OBSERVATION', id: point.observationId, label: `${what} of ${formatDate(point.effectiveAt)}` }));
  return (
    <Section title="Results & vitals" id="results">
      <QueryState {...trends} data={trends.data?.patient} what="trends" retry={() => void trends.refetch()}>
        {(patient) => (
          <Deferred what="the trend plots">
            <div className="trends">
              <TrendPlot title="Blood pressure" points={patient.bloodPressure ?? []} lines={BP_LINES} onComment={commentOn('Blood pressure')} />
              <TrendPlot title="Weight" points={patient.weight ?? []} lines={VALUE_LINE('Weight')} onComment={commentOn('Weight')} />
              <TrendPlot title="BMI" points={patient.bmi ?? []} lines={VALUE_LINE('BMI')} onComment={commentOn('BMI')} />
              <TrendPlot title="HbA1c" points={patient.hba1c ?? []} lines={VALUE_LINE('HbA1c')} onComment={commentOn('HbA1c')} />
            </div>
          </Deferred>
        )}
      </QueryState>
      <QueryState {...results} data={results.data?.patient} what="results" retry={() => void results.refetch()}>
        {(patient) => (
          <>
            <h3>Laboratory results{shown(patient.labs?.totalCount, patient.labs?.edges.length ?? 0)}</h3>
            {patient.labs?.edges.length ? (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Test</th>
                    <th scope="col">Result</th>
                    <th scope="col">Source</th>
                    {onComment ? (
                      <th scope="col">
                        <span className="visually-hidden">Comment</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {patient.labs.edges.map(({ node }) => {
                    const label = `${node.code.display ?? node.code.code} of ${formatDate(node.effectiveAt)}`;
                    return (
                      <tr key={node.id}>
                        <td>{formatDate(node.effectiveAt)}</td>
                        <td>{node.code.display ?? node.code.code}</td>
                        <td>
                          {node.valueQuantity ? `${node.valueQuantity.value} ${node.valueQuantity.unit ?? ''}` : (node.valueString ?? '—')}
                          {node.interpretation.length ? ` (${node.interpretation.map((i) => i.display ?? i.code).join(', ')})` : ''}
                        </td>
                        <td>
                          <Source organization={node.organization} />
                        </td>
                        {onComment ? (
                          <td>
                            <CommentButton label={label} onClick={() => onComment({ type: 'OBSERVATION', id: node.id, label })} />
                          </td>
                        ) : null}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            ) : (
              <Empty>No laboratory results.</Empty>
            )}
            <MoreButton pageInfo={patient.labs?.pageInfo} load={moreLabs} what="older results" />
            <h3>Reports{shown(patient.diagnosticReports?.totalCount, patient.diagnosticReports?.edges.length ?? 0)}</h3>
            {patient.diagnosticReports?.edges.length ? (
              <ul className="list">
                {patient.diagnosticReports.edges.map(({ node }) => {
                  const label = `${node.code.display ?? 'Report'} of ${formatDate(node.effectiveAt)}`;
                  return (
                    <li key={node.id}>
                      <strong>{formatDate(node.effectiveAt)}</strong> {node.code.display} ({humanize(node.status)}) <Source organization={node.organization} />{' '}
                      {onComment ? <CommentButton label={label} onClick={() => onComment({ type: 'DIAGNOSTIC_REPORT', id: node.id, label })} /> : null}
                      {node.conclusion ? <p>{node.conclusion}</p> : null}
                      {node.results.length ? (
                        <p className="muted">
                          {node.results.map((r) => `${r.code.display}: ${r.valueQuantity ? `${r.valueQuantity.value} ${r.valueQuantity.unit ?? ''}` : '—'}`).join('; ')}
                        </p>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            ) : (
              <Empty>No diagnostic reports.</Empty>
            )}
            <MoreButton pageInfo={patient.diagnosticReports?.pageInfo} load={moreReports} what="older reports" />
          </>
        )}
      </QueryState>
    </Section>
  );
}

export function ImmunizationsSection({ patientId }: { patientId: string }) {
  const result = useQuery(CHART_IMMUNIZATIONS, { variables: { id: patientId, first: 50 } });
  const loadMore = (after: string) => result.fetchMore({ variables: { after }, updateQuery: appendPatientList('immunizations') });
  return (
    <Section title="Immunizations" id="immunizations">
      <QueryState {...result} data={result.data?.patient?.immunizations} what="immunizations" retry={() => void result.refetch()}>
        {(immunizations) =>
          immunizations.edges.length ? (
            <>
              <ListMeta shownCount={immunizations.edges.length} total={immunizations.totalCount} what="immunizations" />
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Vaccine</th>
                    <th scope="col">Status</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {immunizations.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td>{formatDate(node.occurredAt)}</td>
                      <td>{node.vaccineCode.display ?? node.vaccineCode.code}</td>
                      <td>{humanize(node.status)}</td>
                      <td>
                        <Source organization={node.organization} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <MoreButton pageInfo={immunizations.pageInfo} load={loadMore} what="older immunizations" />
            </>
          ) : (
            <Empty>No immunizations recorded.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

export function ImagingSection({ patientId }: { patientId: string }) {
  const result = useQuery(CHART_IMAGING, { variables: { id: patientId, first: 20 } });
  const loadMore = (after: string) => result.fetchMore({ variables: { after }, updateQuery: appendPatientList('imagingStudies') });
  return (
    <Section title="Imaging" id="imaging">
      <QueryState {...result} data={result.data?.patient?.imagingStudies} what="imaging" retry={() => void result.refetch()}>
        {(studies) =>
          studies.edges.length ? (
            <>
              <ListMeta shownCount={studies.edges.length} total={studies.totalCount} what="imaging studies" />
              <ul className="list">
                {studies.edges.map(({ node }) => (
                  <li key={node.id}>
                    <strong>{formatDate(node.startedAt)}</strong> {node.modalities.map((m) => m.display ?? m.code).join(', ')}
                    {node.bodySites.length ? ` of ${node.bodySites.map((b) => b.display).join(', ')}` : ''} — {node.numberOfSeries} series,{' '}
                    {node.numberOfInstances} images <Source organization={node.organization} />
                    {node.description ? <p>{node.description}</p> : null}
                  </li>
                ))}
              </ul>
              <MoreButton pageInfo={studies.pageInfo} load={loadMore} what="older imaging studies" />
            </>
          ) : (
            <Empty>No imaging studies.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

export function NotesSection({ patientId }: { patientId: string }) {
  const result = useQuery(CHART_NOTES, { variables: { id: patientId, first: 20 } });
  const loadMore = (after: string) => result.fetchMore({ variables: { after }, updateQuery: appendPatientList('clinicalNotes') });
  return (
    <Section title="Notes" id="notes">
      <QueryState {...result} data={result.data?.patient?.clinicalNotes} what="notes" retry={() => void result.refetch()}>
        {(notes) =>
          notes.edges.length ? (
            <>
              <ListMeta shownCount={notes.edges.length} total={notes.totalCount} what="notes" />
              <ul className="list">
                {notes.edges.map(({ node }) => (
                  <li key={node.id}>
                    <article>
                      <h3>{node.title}</h3>
                      <p className="muted">
                        {formatDateTime(node.updatedAt)}, {node.authorPractitioner ? personName(node.authorPractitioner.names) : 'clinician'}, version {node.version}{' '}
                        <Source organization={node.organization} />
                      </p>
                      <p className="note-text">{node.text}</p>
                    </article>
                  </li>
                ))}
              </ul>
              <MoreButton pageInfo={notes.pageInfo} load={loadMore} what="older notes" />
            </>
          ) : (
            <Empty>No notes written.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

/** The chart's sections, in order, with the ids the section links point at. */
export const CHART_SECTIONS = [
  ['summary', 'Summary'],
  ['encounters', 'Encounters'],
  ['results', 'Results & vitals'],
  ['immunizations', 'Immunizations'],
  ['imaging', 'Imaging'],
  ['notes', 'Notes'],
] as const;

/** Links to the chart's sections, then `children` (the care team's "Reload chart"). */
export function ChartNav({ children }: { children?: ReactNode }) {
  return (
    <nav className="chart-nav" aria-label="Chart sections">
      <ul>
        {CHART_SECTIONS.map(([id, label]) => (
          <li key={id}>
            <a href={`#${id}`}>{label}</a>
          </li>
        ))}
      </ul>
      {children}
    </nav>
  );
}

/**
 * The whole chart, read-only: the care team's chart passes `onComment` (results get a "Comment"
 * button that pins a comment to them); the patient's own record in the portal does not.
 */
export function ChartSections({ patientId, onComment }: { patientId: string; onComment?(anchor: AnchorChoice): void }) {
  return (
    <>
      <SummarySection patientId={patientId} />
      <EncountersSection patientId={patientId} />
      <ResultsSection patientId={patientId} onComment={onComment} />
      <ImmunizationsSection patientId={patientId} />
      <ImagingSection patientId={patientId} />
      <NotesSection patientId={patientId} />
    </>
  );
}
