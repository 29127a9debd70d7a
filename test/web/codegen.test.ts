import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The web client's typed operations (web/src/gql, committed) are what codegen makes of the committed
 * supergraph and the client's documents now: a schema change or a new query without
 * `npm run codegen -w web` fails here, not in a user's browser.
 */
const webDir = path.resolve(__dirname, '../../web');

/** Codegen in its own Node process (its CLI loads ESM-only yargs, which jest's CommonJS runtime cannot). */
const GENERATE_IN_MEMORY = `
const { createContext, generate } = require('@graphql-codegen/cli');
(async () => {
  const context = await createContext({ config: 'codegen.ts', _: [], $0: 'codegen' });
  context.updateConfig({ silent: true, errorsOnly: true });
  const outputs = await generate(context, false);
  process.stdout.write(JSON.stringify(outputs.map(({ filename, content }) => ({ filename, content }))));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

describe('web client GraphQL types (web/src/gql)', () => {
  it('match what codegen produces from gateway/supergraph.graphql and the documents (else run `npm run codegen -w web`)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', GENERATE_IN_MEMORY], { cwd: webDir, maxBuffer: 64 * 1024 * 1024 });
    const outputs = JSON.parse(stdout) as { filename: string; content: string }[];
    const expected = new Map(outputs.map((output) => [path.posix.normalize(output.filename), output.content]));
    expect([...expected.keys()].sort()).toEqual(['src/gql/gql.ts', 'src/gql/graphql.ts', 'src/gql/index.ts']);
    const committed = readdirSync(path.join(webDir, 'src/gql')).map((file) => `src/gql/${file}`);
    const stale = [...new Set([...expected.keys(), ...committed])].filter((file) => {
      const absolute = path.join(webDir, file);
      return !expected.has(file) || !existsSync(absolute) || readFileSync(absolute, 'utf8') !== expected.get(file);
    });
    if (stale.length) throw new Error(`Out of date: ${stale.join(', ')}. Run \`npm run codegen -w web\` and commit the result.`);
  });
});
