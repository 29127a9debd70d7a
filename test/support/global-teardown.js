const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const running = globalThis.__CAREGRAPH_PG__;
  if (!running) return;
  await running.cluster.stop();
  rmSync(running.dataDir, { recursive: true, force: true });
};
