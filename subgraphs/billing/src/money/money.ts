import { badInput } from '@caregraph/platform';
import { Field, ObjectType } from 'type-graphql';

/**
 * An amount of money. Stored as integer minor units (cents) plus an ISO 4217 currency, never as a
 * float; shown as a decimal string so clients never meet binary rounding either.
 */
@ObjectType({ description: 'An amount of money: a decimal string in the currency\'s minor-unit precision, e.g. "125.00" USD' })
export class Money {
  @Field(() => String, { description: 'Decimal amount, e.g. "125.00" (never a float)' }) amount!: string;
  @Field(() => String, { description: 'ISO 4217 currency code, e.g. USD' }) currency!: string;
}

const CURRENCY = /^[A-Z]{3}$/;
/** ISO 4217 codes the runtime's ICU data knows: a well-formed but unknown code (XYZ) is refused. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const MAX_MINOR_UNITS = BigInt(Number.MAX_SAFE_INTEGER);

const digitsByCurrency = new Map<string, number>();

/** Decimals of a currency's minor unit per ISO 4217 (USD 2, JPY 0, KWD 3), from the runtime's ICU data (asked once per currency: a formatter costs ~13 µs). */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/**
 * Converts a decimal amount to integer minor units without floating point: a JSON number is read
 * through its shortest round-trip text (265.52 → "265.52"), then scaled as digits. More decimals
 * than the currency has, exponents, unknown currencies and amounts beyond ±2^53 minor units are
 * refused, naming `${field}.${amountKey}` (FHIR Money: value; our MoneyInput: amount) / `${field}.currency`.
 */
export function toMinorUnits(value: number | string | undefined, currency: string | undefined, field: string, amountKey = 'value'): bigint {
  if (!currency || !CURRENCY.test(currency) || !KNOWN_CURRENCIES.has(currency)) throw badInput(`${field}.currency`, `${field}.currency must be an ISO 4217 code`);
  const amountField = `${field}.${amountKey}`;
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : (value ?? '');
  const match = DECIMAL.exec(text);
  if (!match) throw badInput(amountField, `${amountField} must be a plain decimal amount`);
  const [, sign, whole, fraction = ''] = match;
  const digits = minorUnitDigits(currency);
  if (fraction.length > digits) throw badInput(amountField, `${amountField} has more than ${digits} decimals for ${currency}`);
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (minor > MAX_MINOR_UNITS) throw badInput(amountField, `${amountField} is too large`);
  return sign ? -minor : minor;
}

/** Integer minor units as a decimal string: 26552n USD → "265.52", -5n USD → "-0.05", 125n JPY → "125". */
export function formatMinorUnits(minor: bigint | number, currency: string): string {
  const units = BigInt(minor);
  const digits = minorUnitDigits(currency);
  const sign = units < 0n ? '-' : '';
  const text = (units < 0n ? -units : units).toString();
  if (!digits) return `${sign}${text}`;
  const padded = text.padStart(digits + 1, '0');
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

export function toMoney(minor: bigint | number, currency: string): Money {
  return { amount: formatMinorUnits(minor, currency), currency };
}
