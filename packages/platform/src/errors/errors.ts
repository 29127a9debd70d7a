import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ValidationError } from 'class-validator';
import type { Logger } from 'pino';

/** The error codes a client can act on. Everything else is masked as INTERNAL_SERVER_ERROR. */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

const CLIENT_CODES = new Set<string>([
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT',
  // produced by graphql-js / Apollo for malformed operations: safe and useful to the caller
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The one error type services throw. Messages must never contain PHI (names, dates of birth,
 * identifiers): they reach clients and logs. Name the field, not the value.
 */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: { field?: string; fields?: FieldProblem[]; [key: string]: unknown } = {}) {
    super(message, { extensions: { code, ...extra } });
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export const badInput = (field: string, message: string) => new AppError('BAD_USER_INPUT', message, { field });
export const notFound = (type: string, field = 'id') => new AppError('NOT_FOUND', `${type} not found`, { field });
export const conflict = (message: string, extra: Record<string, unknown> = {}) => new AppError('CONFLICT', message, extra);
export const forbidden = (message = 'Not allowed', field?: string) => new AppError('FORBIDDEN', message, field ? { field } : {});
export const unauthenticated = (message = 'Authentication required') => new AppError('UNAUTHENTICATED', message);

/** Flattens class-validator's nested errors into `field.path: message` pairs, dropping values. */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const isIndex = /^\d+$/.test(error.property);
    const path = prefix ? (isIndex ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    for (const message of Object.values(error.constraints ?? {})) problems.push({ field: path, message });
    if (error.children?.length) problems.push(...flattenValidationErrors(error.children, path));
  }
  return problems;
}

/** Postgres unique violations that slipped past a service's own checks become CONFLICT, not 500. */
function isUniqueViolation(error: unknown): boolean {
  const cause = error as { code?: string; name?: string } | undefined;
  return cause?.code === '23505' || cause?.name === 'UniqueConstraintViolationException';
}

/**
 * graphql-js rejects variables that do not fit the schema (an unknown enum value, a date the
 * DateTime scalar refuses, a missing required field) before any resolver runs, with a message
 * that prints the offending value, i.e. possibly PHI. This names the field instead, relative to
 * the variable like class-validator's fields (`$input.periodEnd` → `periodEnd`), and drops the value.
 */
export function describeVariableError(message: string): FieldProblem | undefined {
  const variable = /^Variable "\$(\w+)" /.exec(message)?.[1];
  if (!variable) return undefined;
  if (/^Variable "\$\w+" of (required|non-null) type "[^"]+" (was not provided|must not be null)\.$/.test(message)) {
    return { field: variable, message: `${variable} is required` };
  }
  if (!message.startsWith(`Variable "$${variable}" got invalid value `)) return undefined;
  // The value is printed with strings JSON-quoted (inner quotes escaped), so patterns with bare
  // quotes below cannot be forged by the value itself.
  const located = new RegExp(` at "${variable}((?:\\.\\w+|\\[\\d+\\])*)"; `).exec(message);
  const path = located?.[1] ?? '';
  const reason = located ? `; ${message.slice(located.index + located[0].length)}` : message;
  // relative to the variable: `$input` at "input.type.code" → type.code; a list variable keeps its name
  const relative = path.startsWith('.') ? path.slice(1) : path ? `${variable}${path}` : '';
  const missing = /; Field "(\w+)" of required type "[^"]+" was not provided\./.exec(reason);
  const unknown = /; Field "(\w+)" is not defined by type "(\w+)"\./.exec(reason);
  const child = (missing ?? unknown)?.[1];
  const field = child ? (relative ? `${relative}.${child}` : child) : relative || variable;
  if (missing) return { field, message: `${field} is required` };
  if (unknown) return { field, message: `${field} is not a field of ${unknown[2]}` };
  const enumName = /does not exist in "(\w+)" enum/.exec(reason)?.[1];
  if (enumName) return { field, message: `${field} must be a ${enumName} value` };
  const scalarName = located ? /^; (\w+) cannot represent/.exec(reason)?.[1] : undefined;
  if (scalarName) return { field, message: `${field} is not a valid ${scalarName}` };
  return { field, message: `${field} has an invalid value` };
}

/**
 * Maps any error to what a client may see: known codes keep their message and field, validation
 * errors list fields without values, and anything else is masked to a code plus an error id that
 * finds the details in the server log.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const code = formatted.extensions?.code as string | undefined;
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

    const validationErrors = (original as GraphQLError | undefined)?.extensions?.validationErrors as ValidationError[] | undefined;
    if (code === 'BAD_USER_INPUT' && Array.isArray(validationErrors)) {
      const fields = flattenValidationErrors(validationErrors);
      return {
        ...base,
        message: fields.length ? `Invalid input: ${fields.map((f) => `${f.field} ${f.message.replace(/^\S+\s/, '')}`).join('; ')}` : 'Invalid input',
        extensions: { code, field: fields[0]?.field, fields },
      };
    }
    const variableProblem = code === 'BAD_USER_INPUT' && !formatted.extensions?.field ? describeVariableError(formatted.message) : undefined;
    if (variableProblem) {
      return { ...base, message: `Invalid input: ${variableProblem.message}`, extensions: { code, field: variableProblem.field, fields: [variableProblem] } };
    }
    if (isUniqueViolation(original)) {
      return { ...base, message: 'A record with the same unique value already exists', extensions: { code: 'CONFLICT' } };
    }
    if (code && CLIENT_CODES.has(code)) {
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions };
    }
    const errorId = randomUUID();
    logger.error({ errorId, err: describeErrorForLog(original), path: formatted.path }, 'unhandled error in resolver');
    return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } };
  };
}

/**
 * What of an error may go to the log. Database driver errors carry the SQL with its parameters and
 * the conflicting values (PHI), so only their class, SQLSTATE and constraint are kept.
 */
export function describeErrorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: typeof error };
  const driver = error as Error & { code?: string; constraint?: string; table?: string; sqlState?: string };
  const isDriverError = driver.name.endsWith('Exception') || typeof driver.code === 'string' && /^[0-9A-Z]{5}$/.test(driver.code);
  if (isDriverError) {
    const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
    return { type: driver.name, sqlState: driver.code ?? driver.sqlState, constraint: driver.constraint, table: driver.table, stack: frames.join('\n') };
  }
  return { type: error.name, message: error.message, stack: error.stack };
}
