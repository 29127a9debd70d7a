import type { CodeableConcept } from '@medplum/fhirtypes';
import { badInput } from '../errors/errors';
import type { Coding } from '../graphql/fhir-datatypes';

/** Every coding of some concepts, exactly as the source wrote them; codings without a code carry nothing and are dropped. */
export function codingsOf(concepts: readonly CodeableConcept[] | CodeableConcept | undefined): Coding[] {
  const list = Array.isArray(concepts) ? concepts : concepts ? [concepts as CodeableConcept] : [];
  return list
    .flatMap((concept) => concept.coding ?? [])
    .filter((coding) => typeof coding.code === 'string' && coding.code.length > 0)
    .map((coding) => ({ system: coding.system ?? null, code: coding.code!, display: coding.display ?? null }));
}

/** The first coding (with a code) of a concept or concepts, or null. */
export const firstCodingOf = (concepts: readonly CodeableConcept[] | CodeableConcept | undefined): Coding | null => codingsOf(concepts)[0] ?? null;

const FHIR_DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** The calendar part exists (Date would roll 2023-02-30 over to March 1st). */
function isRealCalendarDate(year: string, month = '01', day = '01'): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/**
 * A FHIR dateTime/instant (possibly partial: 2012, 2012-03, 2012-03-07; then UTC midnight) as a
 * Date; undefined stays null. A malformed value is BAD_USER_INPUT naming `field`, never the value.
 */
export function fhirInstant(value: string | undefined, field: string): Date | null {
  if (value === undefined) return null;
  const parts = FHIR_DATE_TIME.exec(value);
  const date = parts && isRealCalendarDate(parts[1], parts[2], parts[3]) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw badInput(field, `${field} is not a valid FHIR dateTime`);
  return date;
}
