import { declareReadNeeds } from '@caregraph/platform';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../context';
import { Encounter } from '../encounter/encounter.entity';
import { OrganizationRef, PatientRef } from '../stubs';
import { ClinicalRecord } from './clinical-record';

/**
 * The fields every chart record shares, resolved once for the ChartRecord interface (every
 * implementation inherits them). Patient and organization cross into the patients subgraph
 * (nullable: partial data when it is down); the encounter is batched per request and, like every
 * clinical read, access-checked.
 */
@Resolver(() => ClinicalRecord)
export class ChartRecordFieldsResolver {
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() record: ClinicalRecord): PatientRef {
    return { id: record.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: "The organization the record came from (null for a patient's own device readings no organization monitors)" })
  organization(@Root() record: ClinicalRecord): OrganizationRef | null {
    return record.organizationId ? { id: record.organizationId } : null;
  }

  @FieldResolver(() => Encounter, { nullable: true, description: 'The encounter it was recorded in, when known' })
  encounter(@Root() record: ClinicalRecord, @Ctx() ctx: ClinicalContext): Promise<Encounter | null> | null {
    return record.encounterId ? ctx.loaders.encounter.load(record.encounterId) : null;
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(ClinicalRecord, {
  // the access policy asks by patient, encounter-linked lists group by encounter
  always: ['patientId', 'organizationId', 'encounterId'],
  fields: { patient: ['patientId'], organization: ['organizationId'], encounter: ['encounterId'] },
});
