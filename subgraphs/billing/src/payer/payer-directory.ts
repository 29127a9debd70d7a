import { badInput, resourceId } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PayerKind } from './payer.entity';

export const SELF_PAY = 'Self-pay';

export interface PayerName {
  name: string;
  kind: PayerKind;
}

/** A payer as the ledger refers to it. */
export interface PayerRecord extends PayerName {
  id: string;
}

const insurer = (name: string): PayerName => ({ name, kind: PayerKind.INSURER });
const selfPay: PayerName = { name: SELF_PAY, kind: PayerKind.SELF_PAY };

/** Synthea names payers only by these displays; other names are kept as written. */
const KNOWN_DISPLAYS: Record<string, PayerName> = {
  private: insurer('Private insurance'),
  medicaid: insurer('Medicaid'),
  medicare: insurer('Medicare'),
  dual_eligible: insurer('Dual eligible (Medicare and Medicaid)'),
  no_insurance: selfPay,
  'self-pay': selfPay,
  'self pay': selfPay,
  uninsured: selfPay,
};

/** The payer a display names (trimmed; Synthea's codes mapped), or undefined for a blank one. */
export function payerNamed(display: string | undefined, field: string): PayerName | undefined {
  const name = display?.trim();
  if (!name) return undefined;
  if (name.length > 200) throw badInput(field, `${field} is longer than 200 characters`);
  return KNOWN_DISPLAYS[name.toLowerCase()] ?? insurer(name);
}

/** Payers are keyed by name case-insensitively: the same name gets the same id in every import. */
export const payerIdOf = (name: string): string => resourceId('Payer', `name/${name.toLowerCase()}`);

/**
 * The payers of `names`, created where missing (insert ... on conflict do nothing, so concurrent
 * imports agree), by lower-cased name. `created` counts the rows this call inserted.
 */
export async function ensurePayers(em: EntityManager, names: readonly PayerName[]): Promise<{ byName: Map<string, PayerRecord>; created: number }> {
  const wanted = [...new Map(names.map((payer) => [payer.name.toLowerCase(), payer])).values()];
  const byName = new Map<string, PayerRecord>();
  if (!wanted.length) return { byName, created: 0 };
  const rows = wanted.map((payer) => ({ id: payerIdOf(payer.name), name: payer.name, kind: payer.kind }));
  const inserted = await em.execute<PayerRecord[]>(
    `insert into "billing"."payer" ("id", "name", "kind")
     select "id", "name", "kind" from jsonb_to_recordset(?::jsonb) as w("id" uuid, "name" text, "kind" text)
     on conflict do nothing returning "id", "name", "kind"`,
    [JSON.stringify(rows)],
  );
  // existing rows (also those another transaction committed while this one waited on the conflict)
  const existing = await em.execute<PayerRecord[]>(
    `select "id", "name", "kind" from "billing"."payer" where lower("name") in (select lower(n) from jsonb_array_elements_text(?::jsonb) as n)`,
    [JSON.stringify(wanted.map((payer) => payer.name))],
  );
  for (const row of existing) byName.set(row.name.toLowerCase(), row);
  return { byName, created: inserted.length };
}
