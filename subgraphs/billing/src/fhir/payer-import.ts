import type { BundleView } from '@caregraph/platform';
import type { Organization, Reference } from '@medplum/fhirtypes';
import { payerNamed, SELF_PAY, type PayerName, type PayerRecord } from '../payer/payer-directory';
import { PayerKind } from '../payer/payer.entity';

/**
 * Who a reference to a payer names: its display (Synthea writes only that), else the
 * Organization it points at; a Patient or RelatedPerson paying is self-pay.
 */
export function payerOfReference(reference: Reference | undefined, bundle: BundleView, field: string): PayerName | undefined {
  if (!reference) return undefined;
  const named = payerNamed(reference.display, `${field}.display`);
  if (named) return named;
  const target = bundle.byId.get(bundle.resolve(reference.reference) ?? '');
  if (target?.resourceType === 'Organization') return payerNamed((target as Organization).name, `${field}.reference`);
  if (target?.resourceType === 'Patient' || target?.resourceType === 'RelatedPerson') return { name: SELF_PAY, kind: PayerKind.SELF_PAY };
  return undefined;
}

/** The stored payer of a name that ensurePayers has seen. */
export function storedPayer(payers: ReadonlyMap<string, PayerRecord>, payer: PayerName): PayerRecord {
  const stored = payers.get(payer.name.toLowerCase());
  if (!stored) throw new Error(`payer ${payer.name} was not ensured before use`);
  return stored;
}
