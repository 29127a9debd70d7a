import type { ApolloError } from '@apollo/client';

export interface Problem {
  /** What went wrong, in words a clinician or a clerk understands. */
  message: string;
  /** GraphQL error code when the server gave one. */
  code?: string;
  /** The input at fault (BAD_USER_INPUT). */
  field?: string;
}

const BY_CODE: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: 'Your role cannot do this here.',
  NOT_FOUND: 'Not found, or not available to you.',
  CONFLICT: 'Someone changed this at the same time. Reload and try again.',
};

/** An error the server named by its code (GraphQL extensions, a socket acknowledgement) in words to show; BAD_USER_INPUT keeps the server's message. */
export function describeCode(code: string | undefined, message: string, field?: string): Problem {
  // a conflict naming a field is a taken unique value ("An account with this email already exists")
  if (code === 'BAD_USER_INPUT' || (code === 'CONFLICT' && field)) return { code, field, message };
  return { code, field, message: (code && BY_CODE[code]) ?? 'The server could not complete this request. Try again; if it keeps failing, tell support.' };
}

/** Turns an Apollo error into something to show; never the server's internals. */
export function describeProblem(error: ApolloError | Error | undefined): Problem {
  if (!error) return { message: 'Something went wrong.' };
  const apollo = error as Partial<ApolloError>;
  const first = apollo.graphQLErrors?.[0];
  if (first) {
    return describeCode(first.extensions?.code as string | undefined, first.message, first.extensions?.field as string | undefined);
  }
  const status = (apollo.networkError as { statusCode?: number } | null | undefined)?.statusCode;
  if (status === 401) return { code: 'UNAUTHENTICATED', message: BY_CODE.UNAUTHENTICATED };
  if (status === 429) return { code: 'RATE_LIMITED', message: 'Too many requests in a short time. Wait a moment, then retry.' };
  if (status === 400) return { message: 'The request was refused as too large or malformed.' };
  if (apollo.networkError) return { message: 'caregraph cannot be reached. Check your connection, then retry.' };
  return { message: error.message || 'Something went wrong.' };
}

/**
 * The inputs at fault in a failed mutation, field name → message, from the GraphQL errors'
 * `extensions.fields` (every invalid field) or `extensions.field`: to show each next to its input.
 */
export function fieldProblems(error: ApolloError | Error | undefined): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const graphQLError of (error as Partial<ApolloError> | undefined)?.graphQLErrors ?? []) {
    const fields = graphQLError.extensions?.fields as { field: string; message: string }[] | undefined;
    const problem = describeCode(graphQLError.extensions?.code as string | undefined, graphQLError.message, graphQLError.extensions?.field as string | undefined);
    if (fields?.length) for (const { field, message } of fields) byField[field] ??= message;
    else if (problem.field) byField[problem.field] ??= problem.message;
  }
  return byField;
}
