import type { Practitioner } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { Procedure } from './procedure.entity';
import { procedureData, procedureToFhir } from './procedure.fhir';

/** Every fixture Procedure with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Procedure', Entity: Procedure, toFhir: procedureToFhir, importData: procedureData });

describe('Procedure FHIR export', () => {
  it('imports back as the same row, for every fixture Procedure (reasons named by reasonReference included)', () => {
    expect(fixtures.filter((fixture) => fixture.resource.reasonReference?.length).length).toBeGreaterThan(10);
    for (const { resource, others } of fixtures) {
      const data = procedureData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: performing practitioners, an instant without an end, no encounter', () => {
    const { resource, others, chart } = fixtures[0];
    const data = {
      ...procedureData(resource, bundleViewOf([...others, resource])),
      performerPractitionerIds: chart.of<Practitioner>('Practitioner').slice(0, 2).map(idOf),
      performedEnd: null,
      encounterId: null,
    };
    expect(data.performerPractitionerIds).toHaveLength(2);
    const { exported, data: again } = roundTrip(rowOf(resource, data), others);
    expect(again).toEqual(data);
    expect(exported).toMatchObject({ performedDateTime: data.performedStart.toISOString() });
    expect(exported).not.toHaveProperty('performedPeriod');
  });

  it('writes a FHIR R4 Procedure: coded concepts, the reasons as reasonCode, Type/<uuid> references, the source organization', () => {
    const { resource, others, chart } = fixtures.find((fixture) => fixture.resource.reasonReference?.length)!;
    const performerId = idOf(chart.of<Practitioner>('Practitioner')[0]);
    const data = { ...procedureData(resource, bundleViewOf([...others, resource])), performerPractitionerIds: [performerId] };
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'Procedure',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: resource.status,
      code: { coding: [resource.code!.coding![0]], text: resource.code!.coding![0].display },
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      performedPeriod: { start: data.performedStart.toISOString(), end: data.performedEnd!.toISOString() },
      performer: [{ actor: { reference: `Practitioner/${performerId}` } }],
      reasonCode: data.reasons.map((reason) => ({ coding: [reason], text: reason.display })),
    });
    expect(data.reasons.length).toBeGreaterThan(0);
  });
});
