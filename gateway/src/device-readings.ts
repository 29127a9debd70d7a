import type { ApolloServer } from '@apollo/server';
import type { Logger } from '@caregraph/platform';
import express, { type RequestHandler } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from './context';
import type { RequestWithPrincipal } from './rate-limit';

/**
 * POST /devices/readings: remote-monitoring devices (and their hubs) send readings as plain JSON,
 * the `RecordDeviceReadingsInput` of the GraphQL mutation. The gateway runs that mutation through
 * its own graph for the caller (executeOperation: the same plan, limits, subgraph assertions,
 * checks and audit as /graphql), so there is one write path and one validation.
 */
export const DEVICE_READINGS_PATH = '/devices/readings';

/** The operation the endpoint runs; its answer is the endpoint's 200 body. */
export const RECORD_DEVICE_READINGS = `mutation RecordDeviceReadings($input: RecordDeviceReadingsInput!) {
  recordDeviceReadings(input: $input) {
    accepted
    duplicates
    observations { id effectiveAt code { system code } device { id readingId } }
    alerts { id code kind value unit limit status }
  }
}`;

/** Largest body: a full batch (500 readings) of blood pressures with both components is about 200 kB. */
export const DEVICE_READINGS_MAX_BODY_BYTES = 512 * 1024;

/** One problem as the endpoint reports it. */
export interface DeviceReadingsError {
  code: string;
  /** The input field at fault (`readings[3].unit`), when there is one. */
  field: string | null;
  message: string;
  errorId?: string;
}

const STATUS_OF_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/** A GraphQL error as the endpoint reports it: one entry per field when validation named several. */
function deviceErrorsOf(error: GraphQLFormattedError): DeviceReadingsError[] {
  const extensions = (error.extensions ?? {}) as { code?: string; field?: string; fields?: { field: string; message: string }[]; errorId?: string };
  const code = extensions.code ?? 'INTERNAL_SERVER_ERROR';
  if (Array.isArray(extensions.fields) && extensions.fields.length) {
    return extensions.fields.map((problem) => ({ code, field: problem.field, message: problem.message }));
  }
  return [{ code, field: extensions.field ?? null, message: error.message, ...(extensions.errorId && { errorId: extensions.errorId }) }];
}

/**
 * First on the route: every answer, also those of the shared middlewares (401 without a valid
 * token, 429 over the rate limit, 413 for a body over the limit), leaves as
 * `{ errors: [{ code, field, message }] }` instead of GraphQL's error shape.
 */
export const deviceErrorShape: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const errors = (body as { errors?: unknown } | null)?.errors;
    return json(Array.isArray(errors) ? { errors: (errors as GraphQLFormattedError[]).flatMap(deviceErrorsOf) } : body);
  };
  next();
};

const problem = (code: string, message: string): { errors: GraphQLFormattedError[] } => ({ errors: [{ message, extensions: { code } }] });

/**
 * The endpoint after authentication and rate limiting: JSON only (a browser cannot send that
 * cross-site without a preflight), then the mutation for the caller. 200 with the result;
 * otherwise the status of the first error's code (400 bad input, 403, 404 for a patient the caller
 * may not write for, 409, 503), with every error.
 */
export function deviceReadingsHandlers(apollo: ApolloServer<GatewayContext>, logger: Logger): RequestHandler[] {
  return [
    (req, res, next) => {
      if (req.is('application/json')) return next();
      res.status(415).json(problem('UNSUPPORTED_MEDIA_TYPE', 'Send the readings as JSON (content-type: application/json)'));
    },
    express.json({ limit: DEVICE_READINGS_MAX_BODY_BYTES }),
    async (req, res) => {
      if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
        res.status(400).json(problem('BAD_USER_INPUT', 'The body must be one RecordDeviceReadingsInput object: { patientId, device, readings }'));
        return;
      }
      const requestId = res.locals.requestId as string;
      const principal = (req as RequestWithPrincipal).principal ?? { kind: 'anonymous' as const };
      const response = await apollo.executeOperation<{ recordDeviceReadings: unknown }>(
        { query: RECORD_DEVICE_READINGS, variables: { input: req.body } },
        { contextValue: { requestId, log: logger.child({ requestId }), principal } },
      );
      if (response.body.kind !== 'single') throw new Error('recordDeviceReadings answered incrementally');
      const { data, errors } = response.body.singleResult;
      if (errors?.length) {
        res.status(STATUS_OF_CODE[String(errors[0].extensions?.code)] ?? 500).json({ errors });
        return;
      }
      res.json(data!.recordDeviceReadings);
    },
  ];
}
