import { formatDate, humanize, personName, type NameParts } from '../ui/format';

/** What sendMessage takes (SendMessageInput.body). */
export const MESSAGE_MAX_LENGTH = 5000;

export interface ParticipantView {
  userId: string;
  displayName: string | null;
  role: string | null;
  organization: { id?: string; name: string } | null;
}

export interface PatientView {
  birthDate?: string | null;
  names: readonly NameParts[];
}

/** "Ivy Kowalski (Physician, Northfield University Hospital)": who someone is and where they work. */
export function describePerson(person: { displayName: string | null; role?: string | null; organization?: { name: string } | null }): string {
  const details = [person.role ? humanize(person.role) : null, person.organization?.name].filter(Boolean).join(', ');
  return `${person.displayName ?? 'A clinician'}${details ? ` (${details})` : ''}`;
}

/** A thread's heading: its subject, or who else is in it. */
export function threadTitle(thread: { subject: string | null; participants: readonly ParticipantView[] }, myUserId: string): string {
  if (thread.subject) return thread.subject;
  const others = thread.participants.filter((participant) => participant.userId !== myUserId).map((participant) => participant.displayName ?? 'a colleague');
  return others.length ? `With ${others.join(', ')}` : 'Conversation';
}

/** "Ana Ruiz, born Apr 2, 1970": the patient a thread or a notification is about. */
export function aboutPatient(patient: PatientView): string {
  return `${personName(patient.names)}${patient.birthDate ? `, born ${formatDate(patient.birthDate)}` : ''}`;
}

/** Who is reading: their user id and organization (useMe()). */
export interface Reader {
  id: string;
  organizationId?: string | null;
}

/**
 * A clinician's name as the reader sees it: with their organization when it is another one,
 * "Ivy Kowalski (Northfield University Hospital)", since threads and charts cross hospitals.
 */
export function nameAcrossOrganizations(name: string | null, organization: { id?: string; name: string } | null | undefined, reader: Reader): string {
  const shown = name ?? 'A clinician';
  return organization?.id && organization.id !== reader.organizationId ? `${shown} (${organization.name})` : shown;
}

/** A message's sender as the reader sees them: "You" for their own, others by nameAcrossOrganizations. */
export function senderName(message: { senderUserId: string; senderDisplayName: string | null }, reader: Reader, participants: readonly ParticipantView[] = []): string {
  if (message.senderUserId === reader.id) return 'You';
  const organization = participants.find((participant) => participant.userId === message.senderUserId)?.organization;
  return nameAcrossOrganizations(message.senderDisplayName, organization, reader);
}

/** A message or comment as a list quotes it: its first 140 characters. */
export const excerpt = (body: string): string => (body.length > 140 ? `${body.slice(0, 140)}…` : body);

/** A fresh clientMessageId, kept for a draft until it is stored (so a retry is stored once). */
export function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // crypto.randomUUID needs a secure context (https or localhost); getRandomValues does not
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
