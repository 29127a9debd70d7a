import { badInput } from '@caregraph/platform';
import { minorUnitDigits } from '../money/money';

/**
 * Amounts of an ExplanationOfBenefit as written, kept exact: Synthea writes payer shares with
 * sub-cent digits and float noise (80% of 3842.38 is written 3073.9040000000005). They are summed
 * exactly at SCALE decimals and rounded to the currency's minor unit once, half up, where a
 * payer or patient could actually be billed.
 */
const SCALE = 18;
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_MINOR_UNITS = BigInt(Number.MAX_SAFE_INTEGER);

/** An exact amount: the value × 10^18. */
export type ExactAmount = bigint;

/** A non-negative decimal (a JSON number through its shortest round-trip text) as an ExactAmount; refuses anything else, naming `${field}.value`. */
export function exactAmount(value: number | string | undefined, field: string): ExactAmount {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : (value ?? '');
  const match = DECIMAL.exec(text);
  if (!match) throw badInput(`${field}.value`, `${field}.value must be a non-negative decimal amount`);
  const [, whole, fraction = '', exponent = '0'] = match;
  const shift = SCALE + Number(exponent) - fraction.length;
  const digits = BigInt(whole + fraction);
  // digits beyond 10^-18 are float noise far below any currency's minor unit
  return shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
}

/** The currency code, checked as toMinorUnits checks it. */
export function checkedCurrency(currency: string | undefined, field: string): string {
  if (!currency || !CURRENCY.test(currency)) throw badInput(`${field}.currency`, `${field}.currency must be an ISO 4217 code`);
  return currency;
}

/** Stored minor units as an exact amount (12345 USD → 123.45). */
export const exactFromMinorUnits = (minor: bigint, currency: string): ExactAmount => minor * 10n ** BigInt(SCALE - minorUnitDigits(currency));

/** An exact amount in minor units of `currency`, rounded half up (1.005 USD → 101). */
export function roundToMinorUnits(amount: ExactAmount, currency: string, field: string): bigint {
  const divisor = 10n ** BigInt(SCALE - minorUnitDigits(currency));
  const minor = amount / divisor + (2n * (amount % divisor) >= divisor ? 1n : 0n);
  if (minor > MAX_MINOR_UNITS) throw badInput(`${field}.value`, `${field}.value is too large`);
  return minor;
}
