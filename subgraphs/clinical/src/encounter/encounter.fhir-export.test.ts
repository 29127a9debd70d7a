import { bundleViewOf } from '../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../test/support/synthea';
import { Encounter, EncounterStatus } from './encounter.entity';
import { encounterData, encounterToFhir } from './encounter.fhir';

/** Every fixture Encounter with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Encounter', Entity: Encounter, toFhir: encounterToFhir, importData: encounterData });

describe('Encounter FHIR export', () => {
  it('imports back as the same row, for every fixture Encounter', () => {
    expect(fixtures.length).toBeGreaterThan(500);
    for (const { resource, others } of fixtures) {
      const data = encounterData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: a location, an ongoing encounter, a local class code, no type, no participants', () => {
    const { resource, others } = fixtures[0];
    const data = {
      ...encounterData(resource, bundleViewOf([...others, resource])),
      locationName: 'Ward 3B', periodEnd: null, status: EncounterStatus.IN_PROGRESS, classCode: 'WELLNESS', type: null, typeCode: null, participantPractitionerIds: [],
    };
    const { exported, data: again } = roundTrip(rowOf(resource, data), others);
    expect(again).toEqual(data);
    // a local code is not claimed for the v3-ActCode system
    expect(exported).toMatchObject({ class: { code: 'WELLNESS' }, location: [{ location: { display: 'Ward 3B' } }] });
    expect(exported.class).not.toHaveProperty('system');
  });

  it('writes a FHIR R4 Encounter: v3-ActCode class, coded type and reasons, Type/<uuid> references', () => {
    const { resource, others } = fixtures.find((fixture) => fixture.resource.reasonCode?.length && fixture.resource.participant?.length)!;
    const data = encounterData(resource, bundleViewOf([...others, resource]));
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(data.participantPractitionerIds.length).toBeGreaterThan(0);
    expect(exported).toEqual({
      resourceType: 'Encounter',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: resource.status,
      class: resource.class,
      type: [{ coding: [resource.type![0].coding![0]], text: resource.type![0].coding![0].display }],
      subject: { reference: `Patient/${data.patientId}` },
      participant: data.participantPractitionerIds.map((id) => ({ individual: { reference: `Practitioner/${id}` } })),
      period: { start: data.periodStart.toISOString(), end: data.periodEnd!.toISOString() },
      reasonCode: [{ coding: [resource.reasonCode![0].coding![0]], text: resource.reasonCode![0].coding![0].display }],
      serviceProvider: { reference: `Organization/${data.organizationId}` },
    });
  });
});
