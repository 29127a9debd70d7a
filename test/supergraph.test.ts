import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import { composedFiles, composeSupergraph } from '../tools/src/compose';

/**
 * The committed subgraph schemas and supergraph are what the code composes to now. The gateway
 * serves the committed supergraph, so a resolver change without `npm run compose` would be
 * invisible through the gateway (or break it).
 */
describe('committed supergraph', () => {
  it('matches what composing the subgraphs produces (else run `npm run compose`)', async () => {
    const files = composedFiles(await composeSupergraph());
    expect(Object.keys(files).sort()).toEqual([
      'gateway/supergraph.graphql',
      'subgraphs/billing/schema.graphql',
      'subgraphs/clinical/schema.graphql',
      'subgraphs/identity/schema.graphql',
      'subgraphs/messaging/schema.graphql',
      'subgraphs/patients/schema.graphql',
    ]);
    const stale = Object.entries(files)
      .filter(([relative, expected]) => {
        const file = path.resolve(__dirname, '..', relative);
        return !existsSync(file) || readFileSync(file, 'utf8') !== expected;
      })
      .map(([relative]) => relative);
    if (stale.length) throw new Error(`Out of date: ${stale.join(', ')}. Run \`npm run compose\` and commit the result.`);
  });

  it('routes every subgraph to its default local port', async () => {
    const { supergraphSdl } = await composeSupergraph();
    for (const [name, port] of [['patients', 4001], ['clinical', 4002], ['billing', 4003], ['messaging', 4004]] as const) {
      expect(supergraphSdl).toMatch(new RegExp(`name: "${name}", url: "http://127\\.0\\.0\\.1:${port}/graphql"`));
    }
  });

  it('reports composition errors by listing them', async () => {
    // two subgraphs that both define Query.clash with different types cannot compose
    @ObjectType('ClashA') class ClashA { @Field(() => String) a!: string; }
    @Resolver() class ResolverA { @Query(() => ClashA) clash(): ClashA { return { a: '' }; } }
    @ObjectType('ClashB') class ClashB { @Field(() => String) b!: string; }
    @Resolver() class ResolverB { @Query(() => ClashB) clash(): ClashB { return { b: '' }; } }
    const database = { schema: 'x', entities: [], migrations: [] };
    await expect(
      composeSupergraph({
        one: { name: 'one', database, resolvers: [ResolverA] },
        two: { name: 'two', database, resolvers: [ResolverB] },
      }),
    ).rejects.toThrow(/Supergraph composition failed with \d+ error\(s\):\n- /);
  });
});
