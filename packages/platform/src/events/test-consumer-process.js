// An EventConsumer in a process of its own, for events.process.test.ts (forked with an IPC channel).
// Loads the TypeScript sources through swc, so it always runs the code under test (no build needed).
// Env: DATABASE_URL, CONSUMER_NAME, INSTANCE, TOPIC, SLOW_FROM (events from this payload.n on hold
// their transaction for 2 s, so the parent can kill the process inside one).
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const { MikroORM, defineConfig } = require('@mikro-orm/postgresql');
const { EventConsumer } = require('./consumer.ts');
const { createLogger } = require('../logging/logger.ts');

async function main() {
  const { DATABASE_URL, CONSUMER_NAME, INSTANCE, TOPIC } = process.env;
  const slowFrom = process.env.SLOW_FROM ? Number(process.env.SLOW_FROM) : Infinity;
  const orm = await MikroORM.init(defineConfig({
    clientUrl: DATABASE_URL, entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: false, pool: { min: 0, max: 2 },
  }));
  const consumer = new EventConsumer({
    name: CONSUMER_NAME,
    topics: [TOPIC],
    orm,
    logger: createLogger(`consumer-${INSTANCE}`, process.env.LOG_LEVEL || 'silent'),
    pollIntervalMs: 500,
    lockRetryMs: 200,
    handler: async (em, event) => {
      await em.execute('insert into evtest.delivered (consumer, instance, event_id, topic, key, payload) values (?, ?, ?, ?, ?, ?::jsonb)',
        [CONSUMER_NAME, INSTANCE, event.id, event.topic, event.key, JSON.stringify(event.payload)]);
      if (event.payload.n >= slowFrom) {
        process.send({ type: 'in-handler', id: event.id }); // the row above is written, not committed
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    },
  });
  await consumer.start();
  let last = '';
  setInterval(() => {
    const status = consumer.status();
    const text = JSON.stringify(status);
    if (text !== last) {
      last = text;
      process.send({ type: 'status', status });
    }
  }, 20);
  process.on('message', async (message) => {
    if (message === 'stop') {
      await consumer.stop();
      await orm.close(true);
      process.exit(0);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
