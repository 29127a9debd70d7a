import type { DemoAccount } from '@caregraph/identity';
import { postGraphql, signIn } from '../gateway-client';

/**
 * The demo's first conversation, so a newcomer signing in finds the inbox, the notifications and
 * the chart comments in use rather than empty: on demo patient 1's chart (shared with the second
 * hospital), the first hospital's physician asks about the latest blood pressure and @mentions
 * the second hospital's physician, who replies and @mentions back; then the second physician
 * writes to the first in a direct thread about the patient, left unread.
 *
 * Everything goes through the gateway as the two physicians, so it passes the same validation,
 * access policy, audit and notifications as any client's writes. Runs on every `npm start` with
 * demo data and changes nothing the second time: each write carries a fixed clientMessageId (a
 * retry returns the stored result) and a direct thread is unique per pair and patient.
 */
export interface DemoConversation {
  patientId: string;
  commentIds: string[];
  threadId: string;
}

const WRITE_IDS = { question: 'demo-conversation:chart-question', answer: 'demo-conversation:chart-answer', message: 'demo-conversation:direct-message' } as const;

const LATEST_VITALS = `query DemoLatestVitals($patientId: ID!) {
  patient(id: $patientId) { latestVitals { id effectiveAt code { code } components { code { code } valueQuantity { value unit } } } }
}`;
const ME = `{ me { ... on UserAccount { id } } }`;
const ADD_COMMENT = `mutation DemoComment($input: AddChartCommentInput!) { addChartComment(input: $input) { id } }`;
const START_THREAD = `mutation DemoThread($input: StartThreadInput!) { startThread(input: $input) { id } }`;
const SEND_MESSAGE = `mutation DemoMessage($input: SendMessageInput!) { sendMessage(input: $input) { id } }`;

/** LOINC: blood pressure panel, systolic, diastolic. */
const BLOOD_PRESSURE = { panel: '85354-9', systolic: '8480-6', diastolic: '8462-4' };

interface Vital {
  id: string;
  effectiveAt: string;
  code: { code: string };
  components: { code: { code: string }; valueQuantity: { value: number; unit: string } | null }[] | null;
}

/** "128/84 mmHg on 2025-03-02" (UCUM's mm[Hg] as clinicians write it), from the panel's components. */
function describePressure(vital: Vital): string | null {
  const value = (code: string) => vital.components?.find((component) => component.code.code === code)?.valueQuantity;
  const systolic = value(BLOOD_PRESSURE.systolic);
  const diastolic = value(BLOOD_PRESSURE.diastolic);
  if (!systolic || !diastolic) return null;
  return `${systolic.value}/${diastolic.value} ${systolic.unit === 'mm[Hg]' ? 'mmHg' : systolic.unit} on ${vital.effectiveAt.slice(0, 10)}`;
}

/** How a comment writes an @mention of `name`, as the web's comment box does (CommentPanel's mentionHandle): "Ivy Kowalski" → "@Ivy.Kowalski". */
const handleOf = (account: DemoAccount) => `@${account.displayName.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('.')}`;

/**
 * Seeds the conversation when the demo has two hospitals' physicians (linked to practitioners,
 * so they can be mentioned) and patient 1; returns what it wrote (or found), else null.
 */
export async function seedDemoConversation(options: { origin: string; accounts: DemoAccount[] }): Promise<DemoConversation | null> {
  const [first, second] = options.accounts.filter((account) => account.role === 'physician');
  const patientId = options.accounts.find((account) => account.role === 'patient' && account.email.startsWith('patient1@'))?.patientId;
  if (!first?.practitionerId || !second?.practitionerId || first.organizationId === second.organizationId || !patientId) return null;
  const graphql = `${options.origin}/graphql`;
  const as = async (account: DemoAccount) => {
    const headers = { authorization: `Bearer ${await signIn(options.origin, account.email, account.password)}` };
    return (query: string, variables: Record<string, unknown> = {}) => postGraphql(graphql, query, variables, headers);
  };
  const [asFirst, asSecond] = await Promise.all([as(first), as(second)]);

  const vitals: Vital[] = (await asFirst(LATEST_VITALS, { patientId })).patient?.latestVitals ?? [];
  const pressure = vitals.find((vital) => vital.code.code === BLOOD_PRESSURE.panel);
  const reading = pressure && describePressure(pressure);
  const question = await asFirst(ADD_COMMENT, {
    input: {
      patientId,
      clientMessageId: WRITE_IDS.question,
      mentions: [second.practitionerId],
      ...(pressure && reading
        ? { anchor: { type: 'OBSERVATION', id: pressure.id }, body: `Latest blood pressure here: ${reading}. ${handleOf(second)}, do you have anything more recent on your side?` }
        : { body: `Following up on this patient after their visit with us. ${handleOf(second)}, have you seen them on your side since?` }),
    },
  });
  const answer = await asSecond(ADD_COMMENT, {
    input: {
      patientId,
      parentId: question.addChartComment.id,
      clientMessageId: WRITE_IDS.answer,
      mentions: [first.practitionerId],
      body: `${handleOf(first)} not since the spring. I will ask them to bring their home readings to our next visit and post them here.`,
    },
  });

  const firstUserId: string = (await asFirst(ME)).me.id;
  const thread = await asSecond(START_THREAD, { input: { kind: 'DIRECT', participantUserIds: [firstUserId], patientId, subject: 'Blood pressure follow-up' } });
  await asSecond(SEND_MESSAGE, {
    input: { threadId: thread.startThread.id, clientMessageId: WRITE_IDS.message, body: 'Could you send me the medication list from their last visit with you? I would like to review it before I see them.' },
  });
  return { patientId, commentIds: [question.addChartComment.id, answer.addChartComment.id], threadId: thread.startThread.id };
}
