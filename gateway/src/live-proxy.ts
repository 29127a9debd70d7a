import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, AccessTokenError, REQUEST_ID_HEADER, bearerToken, describeErrorForLog, importVerificationKey,
  requestIdFrom, verifyAccessToken, type AssertionSigner, type AuditExecutor, type Logger, type TokenPrincipal,
} from '@caregraph/platform';
import type { RequestHandler } from 'express';
import httpProxy from 'http-proxy';
import { decodeJwt } from 'jose';
import { auditRefusedToken, authenticate, refuseUnauthenticated } from './authentication';
import type { RequestWithPrincipal } from './rate-limit';

/** Where clients reach the messaging service's Socket.IO server, on the gateway's origin. */
export const LIVE_PATH = '/socket.io';
/** Browsers cannot set headers on a WebSocket: they may send the access token in the query instead. */
export const ACCESS_TOKEN_QUERY = 'access_token';

export interface LiveProxyOptions {
  /** The messaging subgraph's GraphQL URL (its origin serves Socket.IO). */
  messagingUrl: () => string | undefined;
  signer: AssertionSigner;
  accessTokenPublicKey?: string;
  audit?: AuditExecutor;
  logger: Logger;
  /** Counts new connections (polling handshakes) per caller, like API requests. */
  handshakeRateLimit?: RequestHandler;
}

export interface LiveProxy {
  /** Express handlers for `LIVE_PATH` (long-polling requests). */
  http: RequestHandler[];
  /** The HTTP server's `upgrade` listener (WebSocket). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every proxied WebSocket (the HTTP server's close would wait for them). */
  close(): void;
}

type LiveRequest = IncomingMessage & { originalUrl?: string };

/** The request's URL without the access token (it must not travel further, nor reach any log). */
function withoutToken(url: URL): string {
  url.searchParams.delete(ACCESS_TOKEN_QUERY);
  return `${url.pathname}${url.search}`;
}

/** The bearer token of the Authorization header, else of the `access_token` query parameter. */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  return req.headers.authorization ? bearerToken(req.headers.authorization) : url.searchParams.get(ACCESS_TOKEN_QUERY) ?? undefined;
}

/**
 * Socket.IO through the gateway: long-polling requests and WebSocket upgrades under /socket.io are
 * proxied to the messaging service, each authenticated here with the caller's access token
 * (`Authorization: Bearer`, or `?access_token=` for browsers' WebSockets). Missing or invalid: 401,
 * audited like any refused request. Valid: the caller goes on as the gateway's signed assertion
 * for messaging and the access policy, valid until the access token expires, so messaging can keep
 * asking the policy for that socket and disconnects it then. The token itself is not forwarded.
 */
export function createLiveProxy(options: LiveProxyOptions): LiveProxy {
  const { logger } = options;
  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: true });
  const sockets = new Set<Duplex>();
  const key = options.accessTokenPublicKey ? importVerificationKey(options.accessTokenPublicKey) : undefined;

  // http-proxy ends the connection to messaging when the client's ends or errors, not when it is
  // destroyed (as close() below does, or a client that vanishes): messaging would keep the socket,
  // counted as viewing its charts, until its ping timed out. Each closes with the other.
  proxy.on('proxyReqWs', (proxyReq, _req, client) => {
    proxyReq.once('upgrade', (_res, upstream: Duplex) => {
      if (client.destroyed) upstream.destroy();
      else client.once('close', () => upstream.destroy());
    });
  });

  proxy.on('error', (error, _req, target) => {
    logger.warn({ err: describeErrorForLog(error) }, 'live proxy: messaging unreachable');
    if ('writeHead' in target && typeof target.writeHead === 'function') {
      if (!target.headersSent) target.writeHead(503, { 'content-type': 'application/json' });
      target.end(JSON.stringify({ errors: [{ message: 'The messaging service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'messaging' } }] }));
    } else {
      (target as Duplex).destroy();
    }
  });

  /** The caller's assertion for messaging, lasting as long as their access token. */
  const forward = async (req: LiveRequest, principal: TokenPrincipal, token: string, requestId: string, url: URL): Promise<string | undefined> => {
    const messagingUrl = options.messagingUrl();
    if (!messagingUrl) return undefined;
    const expiresAt = decodeJwt(token).exp;
    delete req.headers.authorization;
    req.headers[ASSERTION_HEADER] = await options.signer.sign(principal, ['messaging', ACCESS_POLICY_AUDIENCE], requestId, { expiresAt });
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.url = withoutToken(url);
    return new URL('/', messagingUrl).origin;
  };

  const http: RequestHandler[] = [
    (req, res, next) => {
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.locals.requestId = requestId;
      res.setHeader(REQUEST_ID_HEADER, requestId);
      // never a client's own assertion; the token from the query becomes the header `authenticate` reads
      delete req.headers[ASSERTION_HEADER];
      const token = new URL(req.originalUrl, 'http://gateway').searchParams.get(ACCESS_TOKEN_QUERY);
      if (!req.headers.authorization && token) req.headers.authorization = `Bearer ${token}`;
      next();
    },
    authenticate({ accessTokenPublicKey: options.accessTokenPublicKey }),
    (req, res, next) => {
      const handshake = !new URL(req.originalUrl, 'http://gateway').searchParams.has('sid');
      return handshake && options.handshakeRateLimit ? options.handshakeRateLimit(req, res, next) : next();
    },
    refuseUnauthenticated({ audit: options.audit, logger }),
    async (req, res) => {
      const url = new URL(req.originalUrl, 'http://gateway');
      const principal = (req as RequestWithPrincipal).principal as TokenPrincipal;
      const target = await forward(req, principal, bearerToken(req.headers.authorization)!, res.locals.requestId as string, url);
      if (!target) return void res.status(503).json({ errors: [{ message: 'The messaging service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      proxy.web(req, res, { target });
    },
  ];

  const refuse = (socket: Duplex, status: 401 | 404 | 503) => {
    const reason = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status];
    const headers = status === 401 ? 'WWW-Authenticate: Bearer error="invalid_token"\r\n' : '';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== LIVE_PATH && !url.pathname.startsWith(`${LIVE_PATH}/`)) return refuse(socket, 404);
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    delete req.headers[ASSERTION_HEADER];
    const token = tokenOf(req, url);
    let principal: TokenPrincipal;
    try {
      if (!token) throw new AccessTokenError(req.headers.authorization ? 'malformed' : 'missing');
      if (!key) throw new AccessTokenError('invalid_signature');
      principal = await verifyAccessToken(token, { publicKey: key });
    } catch (error) {
      const kind = error instanceof AccessTokenError ? error.kind : 'malformed';
      logger.warn({ requestId, kind }, 'access token refused (live connection)');
      await auditRefusedToken(options.audit, logger, { requestId, kind, remoteAddress: req.socket.remoteAddress ?? null });
      return refuse(socket, 401);
    }
    const target = await forward(req, principal, token, requestId, url);
    if (!target) return refuse(socket, 503);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    proxy.ws(req, socket, head, { target });
  };

  return {
    http,
    upgrade: (req, socket, head) => void upgrade(req, socket, head),
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}
