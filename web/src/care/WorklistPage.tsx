import { useQuery } from '@apollo/client';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useMe } from '../auth/me';
import { graphql } from '../gql';
import { ageOn, formatDate, humanize, personName } from '../ui/format';
import { appendPage, MoreButton } from '../ui/paging';
import { Empty, QueryState, Section } from '../ui/states';

const CARE_WORKLIST = graphql(`
  query CareWorklist($first: Int!, $after: String) {
    careGapPatients(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          firstDueDate
          patient {
            id
            birthDate
            gender
            names { ...NameParts }
          }
          gaps {
            status
            dueDate
            lastMetAt
            rule {
              code
              title
            }
          }
        }
      }
    }
  }
`);

/**
 * The worklist's "Due since": the earliest due date, except when the gaps due then were never met,
 * whose due date is only the day the patient became eligible (an 85-year-old's influenza vaccine
 * "due since 1941" says nothing a clinician can use).
 */
function dueSince(row: { firstDueDate: string; gaps: readonly { dueDate?: string | null; lastMetAt?: string | null }[] }): string {
  const earliest = row.gaps.filter((gap) => gap.dueDate === row.firstDueDate);
  return earliest.length && earliest.every((gap) => !gap.lastMetAt) ? 'Never recorded' : formatDate(row.firstDueDate);
}

const PATIENT_SEARCH = graphql(`
  query PatientSearch($name: String, $birthDate: String, $first: Int!, $after: String) {
    patients(name: $name, birthDate: $birthDate, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id
          birthDate
          gender
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
        }
      }
    }
  }
`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function PatientSearch() {
  const [params, setParams] = useSearchParams();
  const name = params.get('name') ?? '';
  const birthDate = params.get('birthDate') ?? '';
  const [draftName, setDraftName] = useState(name);
  const [draftBirthDate, setDraftBirthDate] = useState(birthDate);
  const searching = Boolean(name || birthDate);
  const result = useQuery(PATIENT_SEARCH, { variables: { name: name || undefined, birthDate: birthDate || undefined, first: 25 }, skip: !searching });
  const loadMore = (after: string) =>
    result.fetchMore({ variables: { after }, updateQuery: (previous, { fetchMoreResult }) => ({ patients: appendPage(previous.patients, fetchMoreResult.patients) }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draftName.trim()) next.set('name', draftName.trim());
    if (draftBirthDate) next.set('birthDate', draftBirthDate);
    setParams(next);
  };
  return (
    <Section title="Find a patient">
      <form className="row wrap" role="search" onSubmit={submit}>
        <label>
          Name
          <input type="search" value={draftName} onChange={(e) => setDraftName(e.target.value)} placeholder="e.g. Kenji Wil" />
        </label>
        <label>
          Birth date
          <input type="date" value={draftBirthDate} onChange={(e) => setDraftBirthDate(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {searching ? (
        <QueryState {...result} data={result.data?.patients} what="search results" retry={() => void result.refetch()}>
          {(patients) =>
            patients.edges.length ? (
              <>
                <p className="meta">{patients.edges.length === patients.totalCount ? `${patients.totalCount} found` : `${patients.edges.length} of ${patients.totalCount} found`}</p>
                <table className="table">
                  <caption className="visually-hidden">Patients found</caption>
                  <thead>
                    <tr>
                      <th scope="col">Patient</th>
                      <th scope="col">Born</th>
                      <th scope="col">Registered at (MRN)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {patients.edges.map(({ node }) => (
                      <tr key={node.id}>
                        <td>
                          <Link to={`/care/patients/${node.id}`}>{personName(node.names)}</Link>
                        </td>
                        <td>
                          {formatDate(node.birthDate)} ({humanize(node.gender)})
                        </td>
                        <td>{node.registrations.map((r) => `${r.organization.name} (${r.mrn})`).join('; ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <MoreButton pageInfo={patients.pageInfo} load={loadMore} what="more matches" />
              </>
            ) : (
              <Empty>No patient you may see matches. Patients who have not shared their record with your organization are not listed; in an emergency, open their chart by ID.</Empty>
            )
          }
        </QueryState>
      ) : null}
    </Section>
  );
}

function OpenById() {
  const navigate = useNavigate();
  const [id, setId] = useState('');
  const [error, setError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!UUID.test(id.trim())) return setError('A patient ID looks like 63f0423b-e0d7-5cc6-93fe-0f7315017037.');
    navigate(`/care/patients/${id.trim()}`);
  };
  return (
    <Section title="Open a chart by patient ID">
      <form className="row wrap" onSubmit={submit}>
        <label>
          Patient ID
          <input value={id} onChange={(e) => { setId(e.target.value); setError(undefined); }} aria-invalid={error ? true : undefined} aria-describedby={error ? 'open-by-id-error' : undefined} />
        </label>
        <button type="submit">Open chart</button>
      </form>
      {error ? (
        <p id="open-by-id-error" className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </Section>
  );
}

function Worklist() {
  const result = useQuery(CARE_WORKLIST, { variables: { first: 25 } });
  const loadMore = (after: string) =>
    result.fetchMore({ variables: { after }, updateQuery: (previous, { fetchMoreResult }) => ({ careGapPatients: appendPage(previous.careGapPatients, fetchMoreResult.careGapPatients) }) });
  return (
    <Section title="Care gaps worklist">
      <QueryState {...result} data={result.data?.careGapPatients} what="the worklist" retry={() => void result.refetch()}>
        {(worklist) =>
          worklist.edges.length ? (
            <>
              <p className="meta">
                {worklist.edges.length === worklist.totalCount ? `${worklist.totalCount} patients` : `${worklist.edges.length} of ${worklist.totalCount} patients`}, most overdue first
              </p>
              <table className="table">
                <caption className="visually-hidden">Patients with due or overdue preventive care, most overdue first</caption>
                <thead>
                  <tr>
                    <th scope="col">Patient</th>
                    <th scope="col">Age</th>
                    <th scope="col">Open care gaps</th>
                    <th scope="col">Due since</th>
                  </tr>
                </thead>
                <tbody>
                  {worklist.edges.map(({ node }) => (
                    <tr key={node.patient.id}>
                      <td>
                        <Link to={`/care/patients/${node.patient.id}`}>{personName(node.patient.names)}</Link>
                      </td>
                      <td>{ageOn(node.patient.birthDate) ?? '—'}</td>
                      <td>
                        <ul className="tags">
                          {node.gaps.map((gap) => (
                            <li key={gap.rule.code} className={`tag ${gap.status === 'OVERDUE' ? 'tag-warn' : ''}`}>
                              {gap.rule.title} ({humanize(gap.status)}{gap.lastMetAt ? '' : ', never recorded'})
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>{dueSince(node)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <MoreButton pageInfo={worklist.pageInfo} load={loadMore} what="more patients" />
            </>
          ) : (
            <Empty>No patient registered here has due or overdue preventive care.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

export function WorklistPage() {
  const me = useMe();
  return (
    <div className="page">
      <h1>Worklist{me.organizationName ? ` at ${me.organizationName}` : ''}</h1>
      <div className="grid-2">
        <PatientSearch />
        <OpenById />
      </div>
      <Worklist />
    </div>
  );
}
