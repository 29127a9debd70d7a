import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import express from 'express';
import { acceptedEncodings, serveWebClient } from './web-client';

/*
 * The web client's files over real HTTP: precompressed variants picked by Accept-Encoding (what
 * web/precompress.ts writes at build), the identity file otherwise, the cache and security headers.
 */

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw GET (node's http: no automatic decompression, unlike fetch). */
function get(base: string, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${urlPath}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('web client files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-'));
  const script = Buffer.from(`export const chart = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ row: i, label: 'blood pressure' })))};\n`);
  const html = Buffer.from(`<!doctype html><html><head><title>caregraph</title><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div>${' '.repeat(2000)}</body></html>`);
  const styles = Buffer.from(`body { color: black; }\n`.repeat(100));
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), script);
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(script));
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(script));
    // only gzip for the styles: a brotli-capable browser gets gzip
    writeFileSync(path.join(dir, 'assets', 'index-def456.css'), styles);
    writeFileSync(path.join(dir, 'assets', 'index-def456.css.gz'), gzipSync(styles));
    writeFileSync(path.join(dir, 'index.html'), html);
    writeFileSync(path.join(dir, 'index.html.gz'), gzipSync(html));
    writeFileSync(path.join(dir, 'index.html.br'), brotliCompressSync(html));
    writeFileSync(path.join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const app = express();
    app.get('/graphql', (_req, res) => void res.status(400).json({ errors: [] }));
    serveWebClient(app, dir);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends gzip to a client that accepts gzip, whose gunzip is the file, with the file’s type and immutable caching', async () => {
    const reply = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(reply.headers.vary).toBe('Accept-Encoding');
    expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    expect(reply.body.length).toBeLessThan(script.length / 4);
    expect(gunzipSync(reply.body).equals(script)).toBe(true);
  });

  it('prefers brotli when accepted and present, and falls back to gzip where only gzip was written', async () => {
    const br = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(script)).toBe(true);
    const css = await get(base, '/assets/index-def456.css', { 'accept-encoding': 'gzip, br' });
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(gunzipSync(css.body).equals(styles)).toBe(true);
    // br refused with q=0: gzip
    const noBrotli = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'br;q=0, gzip;q=0.8' });
    expect(noBrotli.headers['content-encoding']).toBe('gzip');
  });

  it('sends the file as it is without Accept-Encoding (or with only codings it does not have), still varying on it', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'deflate' }, { 'accept-encoding': 'gzip;q=0' }] as Record<string, string>[]) {
      const reply = await get(base, '/assets/index-abc123.js', headers);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-encoding']).toBeUndefined();
      expect(reply.headers.vary).toBe('Accept-Encoding');
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.body.equals(script)).toBe(true);
    }
    const image = await get(base, '/logo.png', { 'accept-encoding': 'gzip' });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.headers.vary).toBeUndefined();
  });

  it('serves index.html compressed, never cached without revalidation, at / and for client routes, and not for the API or missing files', async () => {
    for (const urlPath of ['/', '/index.html', '/care/patients/0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f']) {
      const reply = await get(base, urlPath, { accept: 'text/html', 'accept-encoding': 'gzip' });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-encoding']).toBe('gzip');
      expect(reply.headers['content-type']).toMatch(/^text\/html/);
      expect(reply.headers['cache-control']).toBe('no-cache');
      expect(reply.headers.vary).toBe('Accept-Encoding');
      expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(gunzipSync(reply.body).equals(html)).toBe(true);
    }
    const plain = await get(base, '/care', { accept: 'text/html' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(html)).toBe(true);
    expect((await get(base, '/graphql', { accept: 'text/html', 'accept-encoding': 'gzip' })).status).toBe(400);
    expect((await get(base, '/assets/missing.js', { 'accept-encoding': 'gzip' })).status).toBe(404);
    expect((await get(base, '/assets/..%2f..%2fetc%2fpasswd', { 'accept-encoding': 'gzip' })).status).toBe(404);
  });

  it('answers HEAD and conditional requests for the compressed variant', async () => {
    const head = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.body.length).toBe(0);
    const again = await get(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip', 'if-none-match': String(head.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('reads Accept-Encoding with its q-values', () => {
    expect([...acceptedEncodings('gzip, deflate, br;q=0.9, zstd;q=0')]).toEqual(['gzip', 'deflate', 'br']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
    expect([...acceptedEncodings(' * ')]).toEqual(['*']);
  });
});
