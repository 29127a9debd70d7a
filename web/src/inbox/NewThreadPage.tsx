import { useMutation, useQuery, type ApolloError } from '@apollo/client';
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { describeProblem } from '../ui/errors';
import { FieldError, Loading } from '../ui/states';
import { aboutPatient, describePerson, MESSAGE_MAX_LENGTH, newClientMessageId, type PatientView } from './people';
import { CHART_COLLEAGUES, COLLEAGUES, INBOX_PATIENT, INBOX_PATIENTS, SEND_MESSAGE, START_THREAD } from './queries';

interface Recipient {
  userId: string;
  displayName: string;
  role: string;
  organization?: { name: string } | null;
}

type Patient = PatientView & { id: string };

const SEARCH_DELAY_MS = 300;
const CHOICES = 20;

/** `value`, once it has not changed for `delayMs` (search as you type without a request per key). */
function useSettled(value: string, delayMs = SEARCH_DELAY_MS): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** Enter in a search field searches (it already does as you type) instead of sending the message. */
const keepEnter = (event: KeyboardEvent<HTMLInputElement>) => {
  if (event.key === 'Enter') event.preventDefault();
};

/** Both lists as one, each clinician once (with their organization when a list names it), in name order. */
export function mergeChoices(own: readonly { node: Recipient }[] | undefined, elsewhere: readonly { node: Recipient }[] | undefined): Recipient[] {
  const byId = new Map<string, Recipient>();
  for (const { node } of [...(elsewhere ?? []), ...(own ?? [])]) if (!byId.has(node.userId)) byId.set(node.userId, node);
  return [...byId.values()].sort((a, b) => a.displayName.localeCompare(b.displayName) || a.userId.localeCompare(b.userId));
}

/** Why startThread refused, naming the recipients who may not see the patient's chart. */
function startProblem(failure: unknown, recipients: readonly Recipient[]): string {
  const first = (failure as Partial<ApolloError>).graphQLErrors?.[0];
  const refused = first?.extensions?.userIds as string[] | undefined;
  if (first?.extensions?.code === 'FORBIDDEN' && refused?.length) {
    const names = recipients.filter((recipient) => refused.includes(recipient.userId)).map((recipient) => recipient.displayName);
    return `Not every recipient may see this patient’s chart: ${names.join(', ') || 'someone you chose'}. Remove them, or choose another patient.`;
  }
  return describeProblem(failure as Error).message;
}

function PatientPicker({ patient, onChange }: { patient: Patient | null; onChange(patient: Patient | null): void }) {
  const [name, setName] = useState('');
  const search = useSettled(name.trim());
  const found = useQuery(INBOX_PATIENTS, { variables: { name: search, first: 10 }, skip: search.length < 2 });
  if (patient) {
    return (
      <p>
        About <strong>{aboutPatient(patient)}</strong>{' '}
        <button type="button" onClick={() => onChange(null)}>
          No patient
        </button>
      </p>
    );
  }
  const patients = found.data?.patients.edges ?? [];
  return (
    <>
      <label>
        Patient name
        <input type="search" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={keepEnter} placeholder="At least 2 letters" autoComplete="off" />
      </label>
      {found.loading ? <Loading what="patients" /> : null}
      {found.error ? <p className="field-error" role="alert">{describeProblem(found.error).message}</p> : null}
      {search.length >= 2 && found.data && !patients.length ? <p className="state state-empty">No patient you may see matches “{search}”.</p> : null}
      {patients.length ? (
        <ul className="choices" aria-label="Patients found">
          {patients.map(({ node }) => (
            <li key={node.id}>
              <button type="button" className="link" onClick={() => onChange(node)}>
                {aboutPatient(node)}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function RecipientPicker({ patientId, chosen, onChange }: { patientId: string | null; chosen: readonly Recipient[]; onChange(recipients: Recipient[]): void }) {
  const [name, setName] = useState('');
  const search = useSettled(name.trim()) || undefined;
  // your organization's physicians and nurses (about a patient: those who may see the chart), and about a
  // patient also the clinicians of other organizations who may see it
  const own = useQuery(COLLEAGUES, { variables: { name: search, patientId, first: CHOICES } });
  const elsewhere = useQuery(CHART_COLLEAGUES, { variables: { patientId: patientId ?? '', name: search, first: CHOICES }, skip: !patientId });
  // while a new search runs, the last answer stays on screen: the form must not jump under the
  // user's pointer (the picker is keyed by patient, so these are always this patient's)
  const ownData = own.data ?? own.previousData;
  const elsewhereData = elsewhere.data ?? elsewhere.previousData;
  const choices = mergeChoices(ownData?.colleagues.edges, patientId ? elsewhereData?.mentionCandidates.edges : []);
  const loading = own.loading || elsewhere.loading;
  const error = own.error ?? elsewhere.error;
  const loaded = Boolean(ownData && (!patientId || elsewhereData));
  const isChosen = (userId: string) => chosen.some((recipient) => recipient.userId === userId);
  const toggle = (recipient: Recipient) => onChange(isChosen(recipient.userId) ? chosen.filter((r) => r.userId !== recipient.userId) : [...chosen, recipient]);
  return (
    <>
      {chosen.length ? (
        <ul className="picked" aria-label="Recipients">
          {chosen.map((recipient) => (
            <li key={recipient.userId}>
              {describePerson(recipient)}
              <button type="button" onClick={() => toggle(recipient)} aria-label={`Remove ${recipient.displayName}`}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No recipient yet.</p>
      )}
      <label>
        Find a colleague
        <input type="search" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={keepEnter} autoComplete="off" />
      </label>
      {loading && !loaded ? <Loading what="colleagues" /> : null}
      {error ? <p className="field-error" role="alert">{describeProblem(error).message}</p> : null}
      {loaded && !choices.length ? (
        <p className="state state-empty">{patientId ? 'No other clinician who may see this chart matches.' : 'No colleague at your organization matches.'}</p>
      ) : null}
      {choices.length ? (
        <ul className="choices" aria-label={patientId ? 'Clinicians who may see this chart' : 'Colleagues at your organization'} aria-busy={loading}>
          {choices.map((recipient) => (
            <li key={recipient.userId}>
              <label className="check">
                <input type="checkbox" checked={isChosen(recipient.userId)} onChange={() => toggle(recipient)} />
                {describePerson(recipient)}
              </label>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

/**
 * The patient `?patient=<id>` names (the chart's "Message about this patient"), chosen once loaded;
 * a patient who cannot be found (or is not available to the caller) leaves the choice open, saying so.
 */
function usePreselectedPatient(choose: (patient: Patient) => void): { loading: boolean; problem?: string } {
  const [params] = useSearchParams();
  const id = params.get('patient');
  const found = useQuery(INBOX_PATIENT, { variables: { id: id ?? '' }, skip: !id, fetchPolicy: 'network-only' });
  const patient = found.data?.patient;
  useEffect(() => {
    if (patient) choose(patient);
    // once per patient loaded (choose is a new function on every render)
  }, [patient]);
  if (!id) return { loading: false };
  if (found.error) return { loading: false, problem: `The patient could not be loaded: ${describeProblem(found.error).message} Find them by name instead.` };
  if (found.data && !patient) return { loading: false, problem: 'That patient was not found, or is not available to you. Find them by name instead.' };
  return { loading: found.loading };
}

/** Start a conversation: with colleagues of your organization, or about a patient with anyone who may see the chart. */
export function NewThreadPage() {
  const navigate = useNavigate();
  const [patient, setPatient] = useState<Patient | null>(null);
  const [recipients, setRecipients] = useState<Recipient[]>([]);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [clientMessageId] = useState(newClientMessageId);
  // once started, a retry only sends the message (a second GROUP thread would be a new one)
  const [startedId, setStartedId] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [startThread] = useMutation(START_THREAD);
  const [send] = useMutation(SEND_MESSAGE);

  const choosePatient = (next: Patient | null) => {
    setPatient(next);
    setRecipients([]); // who may be included depends on the patient
    setStartedId(undefined);
  };
  const preselected = usePreselectedPatient(choosePatient);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!recipients.length) return setError('Choose at least one recipient.');
    if (!body.trim()) return setError('Write a message.');
    setError(undefined);
    setBusy(true);
    try {
      let threadId = startedId;
      if (!threadId) {
        const started = await startThread({
          variables: {
            input: {
              kind: recipients.length === 1 ? 'DIRECT' : 'GROUP',
              participantUserIds: recipients.map((recipient) => recipient.userId),
              patientId: patient?.id,
              subject: subject.trim() || undefined,
            },
          },
        }).catch((failure: unknown) => {
          throw new Error(startProblem(failure, recipients));
        });
        threadId = started.data!.startThread.id;
        setStartedId(threadId);
      }
      await send({ variables: { input: { threadId, body: body.trim(), clientMessageId } } }).catch((failure: Error) => {
        throw new Error(describeProblem(failure).message);
      });
      navigate(`/inbox/threads/${threadId}`);
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <p>
        <Link to="/inbox">← Inbox</Link>
      </p>
      <h1>New message</h1>
      <form className="new-thread card" onSubmit={submit} aria-describedby={error ? 'new-thread-error' : undefined}>
        <fieldset>
          <legend>About a patient (optional)</legend>
          {preselected.loading ? <Loading what="the patient" /> : <PatientPicker patient={patient} onChange={choosePatient} />}
          <FieldError>{patient ? null : preselected.problem}</FieldError>
          <p className="muted">Colleagues at other organizations can be messaged about a patient all of you may see.</p>
        </fieldset>
        <fieldset>
          <legend>To</legend>
          <RecipientPicker key={patient?.id ?? 'no patient'} patientId={patient?.id ?? null} chosen={recipients} onChange={(next) => { setRecipients(next); setStartedId(undefined); }} />
        </fieldset>
        <div className="form">
          <label>
            Subject (optional)
            <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
          </label>
          <label>
            Message
            <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={4} maxLength={MESSAGE_MAX_LENGTH} required />
          </label>
          {error ? (
            <p id="new-thread-error" className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Sending…' : 'Send'}
            </button>
            <Link to="/inbox">Cancel</Link>
          </div>
        </div>
      </form>
    </div>
  );
}
