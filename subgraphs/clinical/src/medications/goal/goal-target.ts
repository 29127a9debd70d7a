import { firstCodingOf } from '@caregraph/platform';
import type { GoalTarget as FhirGoalTarget, Quantity } from '@medplum/fhirtypes';
import { conceptText } from '../fhir-helpers';
import type { GoalTarget } from './goal.entity';

const quantityText = (quantity: Quantity | undefined): string | null => {
  if (quantity?.value === undefined) return null;
  const unit = quantity.unit ?? quantity.code;
  return `${quantity.comparator ? `${quantity.comparator} ` : ''}${quantity.value}${unit ? ` ${unit}` : ''}`;
};

/** The target value in words, whichever detail[x] the goal uses. */
function detailText(target: FhirGoalTarget): string | null {
  if (target.detailQuantity) return quantityText(target.detailQuantity);
  if (target.detailRange) {
    const { low, high } = target.detailRange;
    const unit = high?.unit ?? low?.unit;
    if (low?.value !== undefined && high?.value !== undefined) return `${low.value}-${high.value}${unit ? ` ${unit}` : ''}`;
    if (low?.value !== undefined) return `>= ${quantityText(low)}`;
    if (high?.value !== undefined) return `<= ${quantityText(high)}`;
    return null;
  }
  if (target.detailCodeableConcept) return conceptText(target.detailCodeableConcept) ?? firstCodingOf(target.detailCodeableConcept)?.code ?? null;
  if (target.detailString !== undefined) return target.detailString;
  if (target.detailBoolean !== undefined) return target.detailBoolean ? 'yes' : 'no';
  if (target.detailInteger !== undefined) return String(target.detailInteger);
  if (target.detailRatio) {
    const { numerator, denominator } = target.detailRatio;
    return numerator?.value !== undefined && denominator?.value !== undefined ? `${quantityText(numerator)}/${quantityText(denominator)}` : null;
  }
  return null;
}

/** A goal's stored FHIR targets as the API shows them. */
export function goalTargets(targets: readonly FhirGoalTarget[] | null | undefined): GoalTarget[] {
  return (targets ?? []).map((target) => ({
    measure: firstCodingOf(target.measure),
    detail: detailText(target),
    due: target.dueDate ?? quantityText(target.dueDuration),
  }));
}
