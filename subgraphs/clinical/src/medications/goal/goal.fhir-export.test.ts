import type { Condition, Goal as FhirGoal } from '@medplum/fhirtypes';
import { fhirRoundTripOf, type ImportData } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { Goal, GoalLifecycleStatus, GoalStartSource } from './goal.entity';
import { goalData, goalToFhir } from './goal.fhir';

const IMPORTED_AT = new Date('2030-01-01T00:00:00Z');

/** What a first import (nothing stored before) makes of a goal in its bundle (the care plans naming it give its start). */
const firstImport: ImportData<FhirGoal, ReturnType<typeof goalData>> = (resource, bundle) => goalData(resource, bundle, new Map(), IMPORTED_AT);

/** Every fixture Goal with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, importOf, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Goal', Entity: Goal, toFhir: goalToFhir, importData: firstImport });

describe('Goal FHIR export', () => {
  it('imports back as the same row, for every fixture Goal (its start found again from the care plan naming it)', () => {
    expect(fixtures.length).toBeGreaterThan(30);
    for (const { resource, others } of fixtures) {
      const data = importOf(resource, others);
      expect(data.startSource).toBe(GoalStartSource.CARE_PLAN);
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: a start date, a coded description with its own words, targets, what it addresses', () => {
    const { resource, others, chart } = fixtures[0];
    const condition = chart.of<Condition>('Condition')[0];
    const dated: FhirGoal = {
      ...resource,
      lifecycleStatus: 'on-hold',
      description: { coding: [{ system: 'http://snomed.info/sct', code: '289169006', display: 'Weight loss' }], text: 'Lose 5 kg by summer' },
      startDate: '2015-03-02',
      target: [{ measure: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] }, detailQuantity: { value: 80, unit: 'kg', comparator: '<' }, dueDate: '2015-07-01' }],
      addresses: [{ reference: `urn:uuid:${condition.id}` }],
    };
    const data = importOf(dated, others);
    expect(data).toMatchObject({ lifecycleStatus: GoalLifecycleStatus.ON_HOLD, startSource: GoalStartSource.START_DATE, description: 'Lose 5 kg by summer', addressedRecordIds: [idOf(condition)] });
    const { exported, data: back } = roundTrip(rowOf(resource, data), others);
    expect(back).toEqual(data);
    expect(exported).toMatchObject({ startDate: '2015-03-02', description: dated.description, target: dated.target });
  });

  it('writes a FHIR R4 Goal: statuses, the description in words, the patient, the source organization; no start of its own', () => {
    const { resource, others } = fixtures[0];
    const data = importOf(resource, others);
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'Goal',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      lifecycleStatus: resource.lifecycleStatus,
      achievementStatus: resource.achievementStatus,
      description: { text: resource.description.text },
      subject: { reference: `Patient/${data.patientId}` },
    });
  });
});
