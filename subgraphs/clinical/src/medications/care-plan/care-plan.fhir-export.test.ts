import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { CarePlan, CarePlanActivityStatus, CarePlanIntent, CarePlanStatus } from './care-plan.entity';
import { carePlanData, carePlanToFhir } from './care-plan.fhir';

/** Every fixture CarePlan with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'CarePlan', Entity: CarePlan, toFhir: carePlanToFhir, importData: carePlanData });

describe('CarePlan FHIR export', () => {
  it('imports back as the same row, for every fixture CarePlan (title and description from category and narrative, activities, conditions, goals)', () => {
    expect(fixtures.length).toBeGreaterThan(50);
    expect(fixtures.some(({ resource }) => resource.goal?.length)).toBe(true);
    for (const { resource, others } of fixtures) {
      const data = carePlanData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: its own title and description, several categories, an activity location, no encounter, no addresses', () => {
    const { resource, others } = fixtures.find((fixture) => fixture.resource.period?.end)!;
    const base = carePlanData(resource, bundleViewOf([...others, resource]));
    const categories = [...base.categories, { system: null, code: 'assess-plan', display: null }];
    const data = {
      ...base,
      encounterId: null,
      status: CarePlanStatus.ON_HOLD,
      intent: CarePlanIntent.PROPOSAL,
      categories,
      title: 'Weight plan',
      description: 'Walk daily.\nNo snacks after 8 pm.',
      activities: [{ code: base.activities[0].code, status: CarePlanActivityStatus.SCHEDULED, location: 'Community pool' }],
      addressedConditionIds: [],
    };
    expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
  });

  it('writes a FHIR R4 CarePlan: coded category and activities, Type/<uuid> references, the source organization', () => {
    const { resource, others } = fixtures.find((fixture) => fixture.resource.goal?.length && fixture.resource.addresses?.length)!;
    const data = carePlanData(resource, bundleViewOf([...others, resource]));
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'CarePlan',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: resource.status,
      intent: resource.intent,
      category: resource.category,
      title: resource.category![0].text,
      description: data.description,
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      period: { start: data.periodStart.toISOString(), ...(data.periodEnd ? { end: data.periodEnd.toISOString() } : {}) },
      addresses: data.addressedConditionIds.map((id) => ({ reference: `Condition/${id}` })),
      goal: resource.goal!.map((goal) => ({ reference: `Goal/${goal.reference!.replace('urn:uuid:', '').toLowerCase()}` })),
      activity: resource.activity,
    });
  });
});
