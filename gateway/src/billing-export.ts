import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, REQUEST_ID_HEADER, describeErrorForLog, type AssertionSigner, type Logger } from '@caregraph/platform';
import type { RequestHandler } from 'express';
import type { RequestWithPrincipal } from './rate-limit';

/** The billing worklist as CSV: the same path on the gateway and on the billing subgraph. */
export const BILLING_CLAIMS_CSV_PATH = '/billing/claims.csv';

/** What of the billing subgraph's answer reaches the caller: the CSV and how to save it, or its error. */
const FORWARD_RESPONSE = ['content-type', 'content-disposition', 'cache-control', 'x-claim-count'];

/**
 * GET /billing/claims.csv after authentication and rate limiting: forwards the request (query
 * string and all) to the billing subgraph with the caller as a signed assertion, as every
 * subgraph call carries it (billing passes it on to the access policy), and streams the answer
 * through without holding it: a caller that goes away stops the export upstream.
 */
export function billingClaimsExport(options: { billingUrl: () => string | undefined; signer: AssertionSigner; logger: Logger }): RequestHandler {
  return async (req, res) => {
    const requestId = res.locals.requestId as string;
    const principal = (req as RequestWithPrincipal).principal ?? { kind: 'anonymous' as const };
    const billingUrl = options.billingUrl();
    const upstreamGone = () => res.status(503).json({ errors: [{ message: 'The billing service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'billing' } }] });
    if (!billingUrl) return void upstreamGone();
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let upstream: Response;
    try {
      upstream = await fetch(new URL(req.originalUrl, billingUrl), {
        headers: { [ASSERTION_HEADER]: await options.signer.sign(principal, ['billing', ACCESS_POLICY_AUDIENCE], requestId), [REQUEST_ID_HEADER]: requestId },
        signal: abort.signal,
      });
    } catch (error) {
      if (!abort.signal.aborted) {
        options.logger.warn({ requestId, err: describeErrorForLog(error) }, 'billing export: subgraph unreachable');
        upstreamGone();
      }
      return;
    }
    res.status(upstream.status);
    for (const name of FORWARD_RESPONSE) {
      const value = upstream.headers.get(name);
      if (value) res.setHeader(name, value);
    }
    if (!upstream.body) return void res.end();
    try {
      await pipeline(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream), res);
    } catch (error) {
      // the caller left, or billing broke the stream (it does so rather than end a cut file): the caller's connection ends unfinished either way
      if (!abort.signal.aborted) options.logger.warn({ requestId, err: describeErrorForLog(error) }, 'billing export: stream broken');
      res.destroy();
    }
  };
}
