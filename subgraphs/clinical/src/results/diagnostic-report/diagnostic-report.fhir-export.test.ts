import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf, refId } from '../../../../../test/support/synthea';
import { DiagnosticReport, DiagnosticReportStatus } from './diagnostic-report.entity';
import { diagnosticReportData, diagnosticReportToFhir } from './diagnostic-report.fhir';

/** Every fixture DiagnosticReport with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, importOf, rowOf, roundTrip } = fhirRoundTripOf({ type: 'DiagnosticReport', Entity: DiagnosticReport, toFhir: diagnosticReportToFhir, importData: diagnosticReportData });

describe('DiagnosticReport FHIR export', () => {
  it('imports back as the same row, for every fixture DiagnosticReport, its results in report order', () => {
    expect(fixtures.length).toBe(215);
    for (const { resource, others } of fixtures) {
      const data = importOf(resource, others);
      expect(data.resultIds.length).toBeGreaterThan(0);
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: a period, a conclusion in words and codes, the report text, no encounter or issued', () => {
    const { resource, others } = fixtures[0];
    const base = importOf(resource, others);
    const data = {
      ...base,
      status: DiagnosticReportStatus.AMENDED,
      encounterId: null,
      effectiveEnd: new Date(base.effectiveAt.getTime() + 86_400_000),
      issuedAt: null,
      conclusion: 'Mild anaemia; otherwise normal.',
      conclusionCodes: [{ system: 'http://snomed.info/sct', code: '271737000', display: 'Anemia' }, { system: 'http://snomed.info/sct', code: '17621005', display: null }],
      presentedFormText: 'HAEMOGLOBIN  11.2 g/dL  (L)\nRÉSULTAT validé',
    };
    expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
  });

  it('writes a FHIR R4 DiagnosticReport: coded concepts, results as Observation/<uuid>, the source organization, the text as a plain-text attachment', () => {
    const { resource, others } = fixtures[0];
    const data = { ...importOf(resource, others), presentedFormText: 'Normal.' };
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'DiagnosticReport',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: resource.status,
      category: resource.category,
      code: { coding: [resource.code.coding![0]], text: resource.code.coding![0].display },
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      effectiveDateTime: new Date(resource.effectiveDateTime!).toISOString(),
      issued: new Date(resource.issued!).toISOString(),
      result: resource.result!.map((result) => ({ reference: `Observation/${refId(result.reference)}` })),
      presentedForm: [{ contentType: 'text/plain; charset=utf-8', data: Buffer.from('Normal.').toString('base64') }],
    });
  });
});
