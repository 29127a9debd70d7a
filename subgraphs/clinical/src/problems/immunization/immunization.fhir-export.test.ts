import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { Immunization, ImmunizationStatus } from './immunization.entity';
import { immunizationData, immunizationToFhir } from './immunization.fhir';

/** Every fixture Immunization with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Immunization', Entity: Immunization, toFhir: immunizationToFhir, importData: immunizationData });

describe('Immunization FHIR export', () => {
  it('imports back as the same row, for every fixture Immunization', () => {
    expect(fixtures.length).toBeGreaterThan(100);
    for (const { resource, others } of fixtures) {
      const data = immunizationData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it.each([false, null])('keeps primarySource %s, a vaccine not given, and no encounter', (primarySource) => {
    const { resource, others } = fixtures[0];
    const data = { ...immunizationData(resource, bundleViewOf([...others, resource])), primarySource, status: ImmunizationStatus.NOT_DONE, encounterId: null };
    expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
  });

  it('writes a FHIR R4 Immunization: a coded vaccine, Type/<uuid> references, the source organization', () => {
    const { resource, others } = fixtures[0];
    const data = immunizationData(resource, bundleViewOf([...others, resource]));
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'Immunization',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: 'completed',
      vaccineCode: { coding: [resource.vaccineCode!.coding![0]], text: resource.vaccineCode!.coding![0].display },
      patient: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      occurrenceDateTime: data.occurredAt.toISOString(),
      primarySource: true,
    });
  });
});
