import { useMutation, useQuery } from '@apollo/client';
import { useState, type FormEvent } from 'react';
import { Route, Routes } from 'react-router-dom';
import { useMe } from '../auth/me';
import { graphql } from '../gql';
import type { ConsentCategory } from '../gql/graphql';
import { describeProblem } from '../ui/errors';
import { formatDate, formatDateTime, formatMoney, formatMoneyList, humanize, personName } from '../ui/format';
import { Empty, QueryState, Section } from '../ui/states';
import { AllergyBanner } from '../care/AllergyBanner';
import { ChartNav, ChartSections } from '../care/chart-sections';
import { DownloadRecordButton } from '../ui/DownloadRecordButton';

const MY_RECORD = graphql(`
  query MyRecord($id: ID!) {
    patient(id: $id) {
      id
      birthDate
      gender
      names { ...NameParts }
      registrations {
        id
        mrn
        organization {
          id
          name
        }
      }
      allergies(first: 20) {
        edges {
          node {
            ...AllergyBannerParts
          }
        }
      }
    }
  }
`);

const MY_BILLING = graphql(`
  query MyBilling($id: ID!, $first: Int!) {
    patient(id: $id) {
      id
      balance {
        openClaims
        patientOwes { ...MoneyParts }
        insuranceOwes { ...MoneyParts }
        total { ...MoneyParts }
      }
      coverages {
        id
        status
        memberId
        planName
        payer { name }
      }
      claims(first: $first) {
        totalCount
        edges {
          node {
            id
            status
            outcome
            billablePeriodStart
            total { ...MoneyParts }
            patientOutstanding { ...MoneyParts }
            provider { name }
            payer { name }
          }
        }
      }
    }
  }
`);

const MY_CONSENTS = graphql(`
  query MyConsents($id: ID!) {
    patient(id: $id) {
      id
      registrations {
        id
        organization {
          id
          name
        }
      }
      consents {
        id
        category
        active
        grantedAt
        expiresAt
        revokedAt
        organization {
          id
          name
        }
      }
    }
  }
`);

const CONSENT_ORGANIZATIONS = graphql(`
  query ConsentOrganizations($name: String, $first: Int!) {
    organizations(name: $name, first: $first) {
      edges {
        node {
          id
          name
          type
        }
      }
    }
  }
`);

const GRANT_CONSENT = graphql(`
  mutation GrantConsent($input: GrantConsentInput!) {
    grantConsent(input: $input) {
      id
    }
  }
`);

const REVOKE_CONSENT = graphql(`
  mutation RevokeConsent($id: ID!) {
    revokeConsent(id: $id) {
      id
      revokedAt
    }
  }
`);

const MY_ACCESS_HISTORY = graphql(`
  query MyAccessHistory($id: ID!, $first: Int!, $after: String) {
    patient(id: $id) {
      id
      accessHistory(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            occurredAt
            action
            outcome
            actorType
            actorRole
            breakGlass
            purpose
            recordTypes
            actorOrganization {
              name
            }
          }
        }
      }
    }
  }
`);

const CATEGORY_LABEL: Record<ConsentCategory, string> = { ALL: 'Everything', CLINICAL: 'Clinical record', BILLING: 'Billing' };

function usePatientId(): string {
  const me = useMe();
  return me.patientId ?? '';
}

function MyRecord() {
  const patientId = usePatientId();
  const result = useQuery(MY_RECORD, { variables: { id: patientId } });
  return (
    <div className="page">
      <QueryState {...result} data={result.data?.patient} what="your record" retry={() => void result.refetch()}>
        {(patient) => (
          <>
            <div className="card-head">
              <h1>{personName(patient.names)}</h1>
              <DownloadRecordButton patientId={patientId} />
            </div>
            <p className="demographics">
              {humanize(patient.gender)}, born {formatDate(patient.birthDate)}. Your record is kept at:{' '}
              {patient.registrations.map((r) => r.organization.name).join(', ')}.
            </p>
            <AllergyBanner allergies={patient.allergies?.edges.map((edge) => edge.node)} />
          </>
        )}
      </QueryState>
      <p className="muted">Your whole record from every organization that treated you, as your care team sees it. To correct something, ask the organization named beside it.</p>
      <ChartNav />
      {/* the care team's chart sections, without comments or anything that writes */}
      <ChartSections patientId={patientId} />
    </div>
  );
}

function MyBilling() {
  const patientId = usePatientId();
  const result = useQuery(MY_BILLING, { variables: { id: patientId, first: 50 } });
  return (
    <div className="page">
      <h1>Claims and balance</h1>
      <QueryState {...result} data={result.data?.patient} what="your claims" retry={() => void result.refetch()}>
        {(patient) => (
          <>
            <Section title="Balance">
              <dl className="facts">
                <dt>You owe</dt>
                <dd data-testid="patient-owes">{formatMoneyList(patient.balance?.patientOwes)}</dd>
                <dt>Insurance still owes</dt>
                <dd>{formatMoneyList(patient.balance?.insuranceOwes)}</dd>
                <dt>Open claims</dt>
                <dd>{patient.balance?.openClaims ?? 0}</dd>
              </dl>
            </Section>
            <Section title="Insurance">
              {patient.coverages?.length ? (
                <ul className="list">
                  {patient.coverages.map((c) => (
                    <li key={c.id}>
                      {c.payer?.name ?? 'Payer'} {c.planName ? `— ${c.planName}` : ''} {c.memberId ? `(member ${c.memberId})` : ''} <span className="muted">{humanize(c.status)}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>No insurance on file.</Empty>
              )}
            </Section>
            <Section title="Claims">
              {patient.claims?.edges.length ? (
                <div className="table-scroll">
                  <table className="table">
                    <thead>
                      <tr>
                        <th scope="col">Service date</th>
                        <th scope="col">Provider</th>
                        <th scope="col">Payer</th>
                        <th scope="col">Status</th>
                        <th scope="col" className="num">Total</th>
                        <th scope="col" className="num">You owe</th>
                      </tr>
                    </thead>
                    <tbody>
                      {patient.claims.edges.map(({ node }) => (
                        <tr key={node.id}>
                          <td>{formatDate(node.billablePeriodStart)}</td>
                          <td>{node.provider?.name ?? '—'}</td>
                          <td>{node.payer?.name ?? '—'}</td>
                          <td>
                            {humanize(node.status)}
                            {node.outcome ? `, ${humanize(node.outcome)}` : ''}
                          </td>
                          <td className="num">{formatMoney(node.total)}</td>
                          <td className="num">{formatMoney(node.patientOutstanding)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <Empty>No claims.</Empty>
              )}
            </Section>
          </>
        )}
      </QueryState>
    </div>
  );
}

function GrantForm({ patientId, onGranted }: { patientId: string; onGranted(): void }) {
  const [name, setName] = useState('');
  const organizations = useQuery(CONSENT_ORGANIZATIONS, { variables: { name: name || undefined, first: 20 } });
  const [organizationId, setOrganizationId] = useState('');
  const [category, setCategory] = useState<ConsentCategory>('CLINICAL');
  const [expiresAt, setExpiresAt] = useState('');
  const [error, setError] = useState<string>();
  const [grant, { loading }] = useMutation(GRANT_CONSENT);
  const options = (organizations.data?.organizations.edges ?? []).map((e) => e.node).filter((o) => o.type !== 'PAYER');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!organizationId) return setError('Choose an organization.');
    setError(undefined);
    try {
      await grant({ variables: { input: { patientId, organizationId, category, expiresAt: expiresAt ? new Date(`${expiresAt}T23:59:59`).toISOString() : undefined } } });
      onGranted();
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Share your record">
      <h3>Share with an organization</h3>
      <label>
        Find organization
        <input type="search" value={name} onChange={(e) => setName(e.target.value)} placeholder="Name begins with…" />
      </label>
      <label>
        Organization
        <select value={organizationId} onChange={(e) => setOrganizationId(e.target.value)} required>
          <option value="">Choose…</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        What to share
        <select value={category} onChange={(e) => setCategory(e.target.value as ConsentCategory)}>
          {(Object.keys(CATEGORY_LABEL) as ConsentCategory[]).map((c) => (
            <option key={c} value={c}>
              {CATEGORY_LABEL[c]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Until (optional)
        <input type="date" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
      </label>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={loading}>
        {loading ? 'Sharing…' : 'Share'}
      </button>
    </form>
  );
}

function Consents() {
  const patientId = usePatientId();
  const result = useQuery(MY_CONSENTS, { variables: { id: patientId } });
  const [revoke] = useMutation(REVOKE_CONSENT);
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const refresh = () => void result.refetch();
  const onRevoke = async (id: string, organization: string) => {
    setError(undefined);
    try {
      await revoke({ variables: { id } });
      setMessage(`${organization} can no longer see this part of your record.`);
      refresh();
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    }
  };
  return (
    <div className="page">
      <h1>Sharing your record</h1>
      <p>
        Organizations where you are registered always see your record. Here you decide which other organizations may see it, and what. A
        change takes effect on their very next request.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="grid-2">
        <Section title="Current sharing">
          <QueryState {...result} data={result.data?.patient} what="your sharing" retry={refresh}>
            {(patient) => {
              const active = (patient.consents ?? []).filter((c) => c.active);
              const past = (patient.consents ?? []).filter((c) => !c.active);
              return (
                <>
                  {active.length ? (
                    <ul className="list" aria-label="Active sharing">
                      {active.map((c) => (
                        <li key={c.id}>
                          <strong>{c.organization.name}</strong>: {CATEGORY_LABEL[c.category]}
                          {c.expiresAt ? `, until ${formatDate(c.expiresAt)}` : ''}{' '}
                          <button type="button" className="danger" onClick={() => void onRevoke(c.id, c.organization.name)}>
                            Stop sharing with {c.organization.name}
                          </button>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <Empty>You share your record with no other organization.</Empty>
                  )}
                  {past.length ? (
                    <details>
                      <summary>Past sharing ({past.length})</summary>
                      <ul className="list">
                        {past.map((c) => (
                          <li key={c.id}>
                            {c.organization.name}: {CATEGORY_LABEL[c.category]}, {formatDate(c.grantedAt)} – {formatDate(c.revokedAt ?? c.expiresAt)}
                          </li>
                        ))}
                      </ul>
                    </details>
                  ) : null}
                </>
              );
            }}
          </QueryState>
        </Section>
        <GrantForm patientId={patientId} onGranted={() => { setMessage('Sharing added.'); refresh(); }} />
      </div>
    </div>
  );
}

function AccessHistory() {
  const patientId = usePatientId();
  const result = useQuery(MY_ACCESS_HISTORY, { variables: { id: patientId, first: 50 } });
  const history = result.data?.patient?.accessHistory;
  return (
    <div className="page">
      <h1>Who accessed my record</h1>
      <QueryState {...result} data={history} what="your access history" retry={() => void result.refetch()}>
        {(entries) =>
          entries.edges.length ? (
            <>
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">What</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.edges.map(({ node }) => (
                      <tr key={node.id} className={node.breakGlass ? 'flagged' : undefined}>
                        <td>{formatDateTime(node.occurredAt)}</td>
                        <td>
                          {node.purpose === 'own-record' ? 'You' : node.actorType === 'USER' ? humanize(node.actorRole) : humanize(node.actorType)}
                          {node.actorOrganization ? ` at ${node.actorOrganization.name}` : ''}
                        </td>
                        <td>
                          {humanize(node.action)}
                          {node.outcome === 'DENIED' ? ' (refused)' : ''}
                          {node.recordTypes.length ? `: ${node.recordTypes.join(', ')}` : ''}
                        </td>
                        <td>{node.breakGlass ? <strong>Emergency access (break-glass)</strong> : humanize(node.purpose)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {entries.pageInfo.hasNextPage ? (
                <button
                  type="button"
                  onClick={() =>
                    void result.fetchMore({
                      variables: { after: entries.pageInfo.endCursor },
                      updateQuery: (previous, { fetchMoreResult }) =>
                        fetchMoreResult.patient?.accessHistory && previous.patient?.accessHistory
                          ? {
                              patient: {
                                ...previous.patient,
                                accessHistory: { ...fetchMoreResult.patient.accessHistory, edges: [...previous.patient.accessHistory.edges, ...fetchMoreResult.patient.accessHistory.edges] },
                              },
                            }
                          : previous,
                    })
                  }
                >
                  Show older
                </button>
              ) : null}
            </>
          ) : (
            <Empty>No one has accessed your record yet.</Empty>
          )
        }
      </QueryState>
    </div>
  );
}

export default function PortalArea() {
  return (
    <Routes>
      <Route index element={<MyRecord />} />
      <Route path="billing" element={<MyBilling />} />
      <Route path="consents" element={<Consents />} />
      <Route path="access" element={<AccessHistory />} />
    </Routes>
  );
}
