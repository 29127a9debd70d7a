import type { Dosage, Quantity, Range, Timing } from '@medplum/fhirtypes';
import { conceptText } from '../fhir-helpers';

const UNIT_NAMES: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  min: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  wk: ['week', 'weeks'],
  mo: ['month', 'months'],
  a: ['year', 'years'],
};

const quantityText = (quantity: Quantity | undefined): string | null =>
  quantity?.value === undefined ? null : `${quantity.value}${quantity.unit ?? quantity.code ? ` ${quantity.unit ?? quantity.code}` : ''}`;

/** "1 dose", "2 doses", "500 mg", "1-2 tablet". */
function doseText(dosage: Dosage): string | null {
  const doseAndRate = dosage.doseAndRate?.find((entry) => entry.doseQuantity || entry.doseRange);
  const quantity = doseAndRate?.doseQuantity;
  if (quantity?.value !== undefined) return quantity.unit ?? quantity.code ? quantityText(quantity) : `${quantity.value} ${quantity.value === 1 ? 'dose' : 'doses'}`;
  const range: Range | undefined = doseAndRate?.doseRange;
  if (range?.low?.value !== undefined && range.high?.value !== undefined) {
    const unit = range.high.unit ?? range.low.unit ?? 'doses';
    return `${range.low.value}-${range.high.value} ${unit}`;
  }
  return null;
}

/** "once a day", "twice a day", "3 times a week", "every 4 hours", "3 times every 2 days", or the timing code's words (BID, ...). */
function timingText(timing: Timing | undefined): string | null {
  const repeat = timing?.repeat;
  const names = repeat?.periodUnit ? UNIT_NAMES[repeat.periodUnit] : undefined;
  if (repeat?.period !== undefined && names) {
    const frequency = repeat.frequency ?? 1;
    const times = frequency === 1 ? 'once' : frequency === 2 ? 'twice' : `${frequency} times`;
    if (repeat.period === 1) return `${times} ${names[0] === 'hour' ? 'an' : 'a'} ${names[0]}`;
    if (frequency === 1) return `every ${repeat.period} ${names[1]}`;
    return `${times} every ${repeat.period} ${names[1]}`;
  }
  return conceptText(timing?.code);
}

function asNeededText(dosage: Dosage): string | null {
  if (dosage.asNeededCodeableConcept) return `as needed${conceptText(dosage.asNeededCodeableConcept) ? ` for ${conceptText(dosage.asNeededCodeableConcept)}` : ''}`;
  return dosage.asNeededBoolean ? 'as needed' : null;
}

/** One instruction in words: its text as written, else dose, timing and "as needed", then any additional instructions. */
function instructionText(dosage: Dosage): string | null {
  if (dosage.text?.trim()) return dosage.text.trim();
  const main = [doseText(dosage), timingText(dosage.timing), asNeededText(dosage)].filter(Boolean).join(' ');
  const extra = [...(dosage.additionalInstruction ?? []).map(conceptText), dosage.patientInstruction?.trim() || null]
    .filter((text): text is string => Boolean(text))
    .map((text) => text.replace(/\.$/, ''));
  const sentences = [main, ...extra].filter(Boolean);
  return sentences.length ? sentences.join('. ') + (extra.length ? '.' : '') : null;
}

/**
 * How to take a medication, for people: each dosage instruction in words, in sequence order;
 * instructions of the same step are joined by "; ", consecutive steps by "; then ". Null when
 * there are no instructions, or none says anything readable.
 */
export function dosageText(dosages: readonly Dosage[] | undefined): string | null {
  const ordered = [...(dosages ?? [])].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  let text = '';
  let previous: Dosage | undefined;
  for (const dosage of ordered) {
    const part = instructionText(dosage);
    if (!part) continue;
    if (previous) text += previous.sequence === dosage.sequence ? '; ' : '; then ';
    text += part;
    previous = dosage;
  }
  return text || null;
}
