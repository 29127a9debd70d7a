import { badInput } from '@caregraph/platform';
import { IsString, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { toMinorUnits } from './money';

/** Money as a client sends it: a decimal string, never a float, and its currency. */
@InputType({ description: 'An amount of money: a decimal string ("125.00", "125", at most the currency\'s decimals) and an ISO 4217 currency' })
export class MoneyInput {
  @Field({ description: 'Decimal amount, e.g. "125.00"; no exponent, no thousands separator' })
  @IsString() @MaxLength(32)
  amount!: string;

  @Field({ description: 'ISO 4217 currency code, e.g. USD' })
  @IsString() @MaxLength(3)
  currency!: string;
}

/** An amount in integer minor units of its currency. */
export interface MinorUnits {
  minorUnits: bigint;
  currency: string;
}

/**
 * A MoneyInput as minor units, refusing negative amounts (and zero when `positive`), naming
 * `${field}.amount` / `${field}.currency`. With `sameCurrencyAs`, the amount must be in the currency
 * of that other amount (`of` says which, for the message).
 */
export function minorUnitsOf(input: MoneyInput, field: string, options: { positive?: boolean; sameCurrencyAs?: { currency: string; of: string } } = {}): MinorUnits {
  const minorUnits = toMinorUnits(input.amount, input.currency, field, 'amount');
  if (minorUnits < 0n || (options.positive && minorUnits === 0n)) {
    throw badInput(`${field}.amount`, `${field}.amount must be ${options.positive ? 'more than zero' : 'zero or more'}`);
  }
  const expected = options.sameCurrencyAs;
  if (expected && input.currency !== expected.currency) {
    throw badInput(`${field}.currency`, `${field}.currency must be ${expected.currency}, the currency of ${expected.of}`);
  }
  return { minorUnits, currency: input.currency };
}
