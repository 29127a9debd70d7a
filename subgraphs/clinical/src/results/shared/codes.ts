import { codingsOf, type Coding, type CodingInput } from '@caregraph/platform';
import type { CodeableConcept } from '@medplum/fhirtypes';

export const LOINC = 'http://loinc.org';

/** An entered coding as stored. */
export const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code, display: coding.display ?? null });

/**
 * The coding that names a concept: the first of `preferredSystem` (e.g. LOINC for observations)
 * when the concept has one, else its first coding; null without any coding.
 */
export function primaryCoding(concept: CodeableConcept | undefined, preferredSystem?: string): Coding | null {
  const codings = codingsOf(concept);
  return codings.find((coding) => coding.system === preferredSystem) ?? codings[0] ?? null;
}

/**
 * Whether `code` is a well-formed LOINC code whose check digit matches (LOINC's mod 10: the
 * digits in odd positions from the right, doubled, written after the even ones; digits summed).
 */
export function isLoincCode(code: string): boolean {
  const parts = /^(\d{1,7})-(\d)$/.exec(code);
  if (!parts) return false;
  const digits = [...parts[1]].reverse();
  const odd = digits.filter((_, index) => index % 2 === 0).reverse().join('');
  const even = digits.filter((_, index) => index % 2 === 1).reverse().join('');
  const sum = [...`${even}${Number(odd) * 2}`].reduce((total, digit) => total + Number(digit), 0);
  return (10 - (sum % 10)) % 10 === Number(parts[2]);
}
