import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (2023-02-30 is not). */
export function isLocalDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value && Number(match[1]) >= 1800;
}

/**
 * The latest calendar date that is "today" somewhere on Earth (UTC+14), so a birth recorded today
 * in any time zone is never rejected as in the future.
 */
export function latestToday(now = new Date()): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}

/** A YYYY-MM-DD calendar date (year 1800 or later); with `notFuture`, not after today. */
export function IsLocalDate(options: { notFuture?: boolean } = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocalDate',
      validator: {
        validate: (value) => isLocalDate(value) && (!options.notFuture || value <= latestToday()),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a real date (YYYY-MM-DD)${options.notFuture ? ', not in the future' : ''}`,
          validationOptions,
        ),
      },
    },
    validationOptions,
  );
}

/** A date-time that is not in the future (a few minutes of clock skew allowed). */
export function IsNotFuture(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotFuture',
      validator: {
        validate: (value) => value instanceof Date && !Number.isNaN(value.getTime()) && value.getTime() <= Date.now() + 5 * 60_000,
        defaultMessage: buildMessage((each) => `${each}$property must not be in the future`, validationOptions),
      },
    },
    validationOptions,
  );
}

/** BCP-47-looking language tag: en, en-US, pt-BR, zh-Hant-TW, es-419. */
export const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

/** NPI as entered by users: exactly 10 digits. Imported data is taken as the source says. */
export const NPI_PATTERN = /^\d{10}$/;
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
