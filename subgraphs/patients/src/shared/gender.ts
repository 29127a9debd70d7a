import { registerEnumType } from 'type-graphql';

/** FHIR administrative gender (http://hl7.org/fhir/administrative-gender). */
export enum AdministrativeGender {
  MALE = 'male',
  FEMALE = 'female',
  OTHER = 'other',
  UNKNOWN = 'unknown',
}
registerEnumType(AdministrativeGender, { name: 'AdministrativeGender', description: 'FHIR administrative gender' });

export const GENDER_VALUES: readonly string[] = Object.values(AdministrativeGender);

/** Our gender for a FHIR code; anything unexpected becomes `unknown`. */
export function genderFromFhir(code: string | undefined): AdministrativeGender {
  return GENDER_VALUES.includes(code ?? '') ? (code as AdministrativeGender) : AdministrativeGender.UNKNOWN;
}
