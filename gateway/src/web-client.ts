import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import express, { type Express, type Request, type Response } from 'express';

/** Paths the web client's SPA fallback never answers: the API and the services behind it. */
const NOT_WEB_PATHS = /^\/(graphql|auth|oauth|\.well-known|billing\/claims\.csv|devices|socket\.io|health|ready)(\/|$|\?)/;

/** Files the web build precompresses (web/vite.config.ts writes `<file>.br` and `<file>.gz` beside them). */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt)$/i;

/** Precompressed variants, best first: [Content-Encoding, file suffix]. */
const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;

/**
 * Headers of the web client's files: the page may load only its own scripts and talk only to its own
 * origin (a script injected into a chart could otherwise send the record anywhere); no framing.
 * Hashed bundles (under /assets/) are immutable; index.html must be revalidated so a deploy is picked up.
 */
export function webHeaders(res: { setHeader(name: string, value: string): unknown }, file: string): void {
  res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
  // the same URL answers differently by Accept-Encoding: caches must keep the variants apart
  if (COMPRESSIBLE.test(file)) res.setHeader('Vary', 'Accept-Encoding');
}

/** The content codings the request accepts (q=0 excluded), lower-cased; `*` stands for any. */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    if (name && (!q || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((stats) => stats.isFile(), () => false);
}

/**
 * Sends `file` precompressed when the request accepts a coding whose variant exists (brotli first,
 * then gzip), with the original's Content-Type and the web headers; false when it did not (no
 * variant, not accepted, not compressible): the caller sends the file as it is.
 */
async function sendPrecompressed(req: Request, res: Response, file: string): Promise<boolean> {
  if (!COMPRESSIBLE.test(file)) return false;
  const accepted = acceptedEncodings(req.headers['accept-encoding']);
  for (const [encoding, suffix] of ENCODINGS) {
    if (!accepted.has(encoding) && !accepted.has('*')) continue;
    if (!(await isFile(file + suffix)) || !(await isFile(file))) continue;
    webHeaders(res, file);
    res.type(path.extname(file));
    res.setHeader('Content-Encoding', encoding);
    await new Promise<void>((resolve, reject) => res.sendFile(file + suffix, (error) => (error && !res.headersSent ? reject(error) : resolve())));
    return true;
  }
  return false;
}

/**
 * Serves the web client's build from `staticDir` at `/`: precompressed files by Accept-Encoding, the
 * rest as they are, and index.html for page loads of client routes (never for the API's paths).
 */
export function serveWebClient(app: Express, staticDir: string): void {
  const root = path.resolve(staticDir);
  const indexHtml = path.join(root, 'index.html');
  app.use(async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let relative: string;
    try {
      relative = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    const file = path.join(root, relative.endsWith('/') ? `${relative}index.html` : relative);
    if (!file.startsWith(root + path.sep) || relative.includes('\0')) return next();
    try {
      if (!(await sendPrecompressed(req, res, file))) next();
    } catch (error) {
      next(error);
    }
  });
  app.use(express.static(root, { index: 'index.html', setHeaders: webHeaders }));
  app.get(/.*/, async (req, res, next) => {
    // a page load (the browser asks for HTML) of a client route; never a missing file or the API
    const pageLoad = req.headers.accept?.includes('text/html') && !path.extname(req.path);
    if (!pageLoad || NOT_WEB_PATHS.test(req.path) || !existsSync(indexHtml)) return next();
    try {
      if (await sendPrecompressed(req, res, indexHtml)) return;
      webHeaders(res, indexHtml);
      res.sendFile(indexHtml);
    } catch (error) {
      next(error);
    }
  });
}
