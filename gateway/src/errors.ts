import { createErrorFormatter, type Logger } from '@caregraph/platform';
import type { GraphQLFormattedError } from 'graphql';
import { SERVICE_UNAVAILABLE } from './subgraph-data-source';

/**
 * The platform's masking formatter, plus two cases only the gateway sees:
 * - a subgraph it could not reach: `SERVICE_UNAVAILABLE` naming the service (never its URL);
 * - an error the subgraph already masked: keep the subgraph's errorId, which finds the details
 *   in that subgraph's log (re-masking here would mint an id that leads nowhere).
 * Subgraph HTTP failures carry the raw response under `extensions.response`; that never leaves.
 */
export function createGatewayErrorFormatter(logger: Logger) {
  const platformFormatter = createErrorFormatter(logger);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const extensions = formatted.extensions ?? {};
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (extensions.code === SERVICE_UNAVAILABLE) {
      return { ...base, extensions: { code: SERVICE_UNAVAILABLE, serviceName: extensions.serviceName } };
    }
    if (extensions.code === 'INTERNAL_SERVER_ERROR' && typeof extensions.errorId === 'string' && extensions.serviceName) {
      return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: extensions.errorId, serviceName: extensions.serviceName } };
    }
    const { response: _response, ...rest } = extensions;
    return platformFormatter({ ...formatted, extensions: rest }, error);
  };
}
