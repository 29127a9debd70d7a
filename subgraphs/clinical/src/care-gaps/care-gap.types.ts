import { ConnectionType, LocalDateScalar } from '@caregraph/platform';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { OrganizationRef, PatientRef } from '../stubs';
import { CareGapRule } from './care-gap-rule.entity';

/** A gap's state on a day (`asOf`), derived from its due date when read. */
export enum CareGapStatus {
  DUE = 'DUE',
  OVERDUE = 'OVERDUE',
  MET = 'MET',
  NOT_APPLICABLE = 'NOT_APPLICABLE',
}
registerEnumType(CareGapStatus, {
  name: 'CareGapStatus',
  description: 'OVERDUE: the due date has passed; DUE: due within the rule\'s dueSoonDays; MET: done and not due soon; NOT_APPLICABLE: the rule is not for this patient (on that day)',
  valuesConfig: {
    DUE: { description: 'Due within the rule\'s dueSoonDays (or today)' },
    OVERDUE: { description: 'The due date has passed' },
    MET: { description: 'Done, and not due within dueSoonDays' },
    NOT_APPLICABLE: { description: 'The rule is not for this patient on that day (the reason says why)' },
  },
});

/** Open gaps: what needs doing. */
export const OPEN_STATUSES: readonly CareGapStatus[] = [CareGapStatus.OVERDUE, CareGapStatus.DUE];

@ObjectType({ description: 'The chart record that last met a care-gap rule' })
export class CareGapEvidence {
  @Field(() => String, { description: 'Its FHIR resource type: Immunization, Observation, Procedure or DiagnosticReport' })
  type!: string;

  @Field(() => ID, { description: 'Its id (e.g. immunization(id))' })
  id!: string;

  @Field(() => OrganizationRef, { nullable: true, description: 'The organization the record came from' })
  organization!: OrganizationRef | null;
}

@ObjectType({ description: 'A preventive-care item of a patient: due, overdue, met or not applicable, with why' })
export class CareGap {
  @Field(() => CareGapRule)
  rule!: CareGapRule;

  @Field(() => CareGapStatus)
  status!: CareGapStatus;

  @Field(() => String, { description: 'Why: the last time it was met and how often it is repeated, that it never was, or why the rule does not apply' })
  reason!: string;

  @Field(() => Date, { nullable: true, description: 'When the record that last met it happened; null when never met' })
  lastMetAt!: Date | null;

  @Field(() => CareGapEvidence, { nullable: true, description: 'That record; null when never met' })
  lastMetBy!: CareGapEvidence | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'When it is (or was) due; for a rule never met, the day the patient became eligible. Null when not applicable' })
  dueDate!: string | null;

  @Field(() => Date, { description: 'When the gap was last evaluated (it is recomputed whenever its inputs change)' })
  evaluatedAt!: Date;
}

@ObjectType({ description: 'A patient with open care gaps (careGapPatients)' })
export class CareGapPatient {
  @Field(() => PatientRef)
  patient!: PatientRef;

  @Field(() => [CareGap], { description: 'The open gaps that match the filters, most overdue first' })
  gaps!: CareGap[];

  @Field(() => LocalDateScalar, { description: 'The earliest due date among them (the list is ordered by it)' })
  firstDueDate!: string;
}

@ObjectType()
export class CareGapPatientConnection extends ConnectionType(CareGapPatient) {}
