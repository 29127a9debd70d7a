import { badInput } from '@caregraph/platform';
import type { Quantity as FhirQuantity } from '@medplum/fhirtypes';
import { Field, Float, ObjectType } from 'type-graphql';

/** The UCUM code system: units of clinician-entered measurements are UCUM codes. */
export const UCUM = 'http://unitsofmeasure.org';

/** UCUM codes are short tokens without spaces ("kg", "mm[Hg]", "/min", "kg/m2", "{score}"). */
export const UCUM_CODE = /^[!-~]{1,32}$/;

/** FHIR Quantity.comparator: how to read the value when it is not exact (e.g. "<5"). */
export const QUANTITY_COMPARATORS = ['<', '<=', '>=', '>'] as const;

/**
 * A measured amount as stored in jsonb (components, reference ranges): the value as the source's
 * JSON number (jsonb keeps numerics exactly), units, code system and comparator as given.
 */
export interface StoredQuantity {
  value: number;
  unit: string | null;
  unitCode: string | null;
  system: string | null;
  comparator: string | null;
}

@ObjectType({ description: 'FHIR Quantity: a measured amount with its unit as recorded' })
export class Quantity {
  @Field(() => Float, { description: 'The value as recorded (stored exactly, as a decimal)' })
  value!: number;

  @Field(() => String, { nullable: true, description: 'The unit as written by the source (e.g. "mm[Hg]", "kg")' })
  unit?: string | null;

  @Field(() => String, { nullable: true, description: 'The coded unit, e.g. the UCUM code' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'The system of unitCode, usually http://unitsofmeasure.org' })
  system?: string | null;

  @Field(() => String, { nullable: true, description: 'How to read the value when it is not exact: <, <=, >= or >' })
  comparator?: string | null;
}

/** A FHIR Quantity as stored; BAD_USER_INPUT naming `field` when it has no numeric value or an unknown comparator. */
export function quantityOf(source: FhirQuantity, field: string): StoredQuantity {
  if (typeof source.value !== 'number' || !Number.isFinite(source.value)) throw badInput(`${field}.value`, `${field}.value must be a number`);
  if (source.comparator !== undefined && !(QUANTITY_COMPARATORS as readonly string[]).includes(source.comparator)) {
    throw badInput(`${field}.comparator`, `${field}.comparator is not a FHIR quantity comparator`);
  }
  return { value: source.value, unit: source.unit ?? null, unitCode: source.code ?? null, system: source.system ?? null, comparator: source.comparator ?? null };
}

/** A stored quantity as GraphQL returns it (stored decimals may be strings). */
export const toQuantity = (stored: StoredQuantity | null | undefined): Quantity | null =>
  stored ? { value: Number(stored.value), unit: stored.unit, unitCode: stored.unitCode, system: stored.system, comparator: stored.comparator } : null;
