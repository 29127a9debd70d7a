import { randomUUID } from 'node:crypto';
import { compactFhir, type FhirResource } from '@caregraph/platform';
import type { DocumentReference, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fixtureCharts } from '../../../../../test/support/synthea';
import { Encounter } from '../../encounter/encounter.entity';
import { visitSummaryId, visitSummaryToFhir } from '../../encounter/visit-summary.fhir';
import { documentText } from '../../fhir/documents';
import { ClinicalNote, ClinicalNoteStatus } from './clinical-note.entity';
import { CAREGRAPH_USER_SYSTEM, clinicalNoteData, clinicalNoteToFhir, IMPORTED_NOTE_AUTHOR } from './clinical-note.fhir';

const [chart] = fixtureCharts();
const others = chart.bundle.entry!.map((entry) => entry.resource as FhirResource);
const encounter = chart.of<FhirEncounter>('Encounter')[0];
const organizationId = chart.organizationIds[0];

const note = (changes: Partial<ClinicalNote> = {}) => Object.assign(new ClinicalNote(), {
  id: randomUUID(),
  patientId: chart.patientId,
  organizationId,
  encounterId: encounter.id!.toLowerCase(),
  authorUserId: randomUUID(),
  authorPractitionerId: null,
  title: 'Follow-up',
  text: 'Bloods in 2 weeks.\nCall if chest pain returns — ünïcode kept.',
  status: ClinicalNoteStatus.CURRENT,
  version: 3,
  createdAt: new Date('2026-03-04T05:06:07.000Z'),
  updatedAt: new Date('2026-03-05T05:06:07.000Z'),
  ...changes,
});
/** What the import makes of a DocumentReference among the fixture bundle (its patient, encounter and organization). */
const imported = (resource: DocumentReference) => clinicalNoteData(resource, bundleViewOf([...others, resource]));

describe('clinical notes and visit summaries as FHIR DocumentReference', () => {
  it('sends a note as a progress note with its current version, text and author, and reads it back as the same note', () => {
    const row = note();
    const exported = compactFhir(clinicalNoteToFhir(row));
    expect(exported).toMatchObject({
      resourceType: 'DocumentReference',
      id: row.id,
      meta: { versionId: '3', source: `urn:uuid:${organizationId}` },
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
      subject: { reference: `Patient/${chart.patientId}` },
      author: [{ identifier: { system: CAREGRAPH_USER_SYSTEM, value: row.authorUserId } }],
      description: 'Follow-up',
      context: { encounter: [{ reference: `Encounter/${row.encounterId}` }] },
    });
    expect(documentText(exported)).toBe(row.text);
    expect(imported(exported)).toEqual({
      patientId: row.patientId, organizationId, encounterId: row.encounterId, authorUserId: row.authorUserId, authorPractitionerId: null,
      title: row.title, text: row.text, status: row.status, version: 3, createdAt: row.createdAt,
    });
  });

  it('keeps a note entered in error, one without an encounter, and one whose author is a practitioner', () => {
    const practitioner = others.find((resource) => resource.resourceType === 'Practitioner')!.id!.toLowerCase();
    for (const row of [note({ status: ClinicalNoteStatus.ENTERED_IN_ERROR }), note({ encounterId: null }), note({ authorPractitionerId: practitioner })]) {
      const back = imported(compactFhir(clinicalNoteToFhir(row)));
      expect({ status: back.status, encounterId: back.encounterId, authorPractitionerId: back.authorPractitionerId })
        .toEqual({ status: row.status, encounterId: row.encounterId, authorPractitionerId: row.authorPractitionerId });
    }
  });

  it("gives a note written elsewhere no caregraph author (so no one may edit it), and refuses what it cannot read", () => {
    const foreign = { ...compactFhir(clinicalNoteToFhir(note())), author: [{ display: 'Dr. Elsewhere' }], meta: undefined } as DocumentReference;
    expect(imported(foreign)).toMatchObject({ authorUserId: IMPORTED_NOTE_AUTHOR, version: 1 });

    const refusals: [Partial<DocumentReference>, string][] = [
      [{ status: 'superseded' }, 'DocumentReference.status'],
      [{ content: [{ attachment: { contentType: 'text/plain', url: 'https://elsewhere.example/note.txt' } }] }, 'DocumentReference.content[0].attachment'],
      [{ content: [{ attachment: { contentType: 'application/pdf', data: 'JVBERi0=' } }] }, 'DocumentReference.content[0].attachment.contentType'],
      [{ content: [{ attachment: { contentType: 'text/plain', data: 'not base64!' } }] }, 'DocumentReference.content[0].attachment.data'],
    ];
    for (const [change, field] of refusals) {
      expect(() => imported({ ...foreign, ...change } as DocumentReference)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) }));
    }
  });

  it("sends an encounter's visit summary as a summary-of-episode document of that encounter, under an id derived from it", () => {
    const row = Object.assign(new Encounter(), {
      id: encounter.id!.toLowerCase(), patientId: chart.patientId, organizationId, visitSummary: 'Seen for hypertension; amlodipine started.',
      periodStart: new Date(encounter.period!.start!), periodEnd: null, updatedAt: new Date(),
    });
    const exported = compactFhir(visitSummaryToFhir(row));
    expect(exported).toMatchObject({
      id: visitSummaryId(row.id),
      type: { coding: [{ system: 'http://loinc.org', code: '34133-9' }] },
      context: { encounter: [{ reference: `Encounter/${row.id}` }], period: { start: row.periodStart.toISOString() } },
    });
    expect(documentText(exported)).toBe(row.visitSummary);
  });
});
