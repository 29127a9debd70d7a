import { findPageReadOnly, findReadOnly, mapReadOnly } from '@caregraph/platform';
import type { EntityClass } from '@mikro-orm/postgresql';
import { useChartServices } from '../../../../test/support/chart-services';
import { largestFixture } from '../../../../test/support/synthea';
import { Observation } from '../results/observation/observation.entity';
import { CLINICAL_FEATURES } from '../subgraph';

jest.setTimeout(240_000);

/**
 * The chart reads through platform database/read-only.ts: the ORM's query and hydration without
 * its unit of work. These tests hold it to em.find on real imported data: every clinical entity,
 * every property (jsonb, arrays, decimals, dates) equal, and nothing tracked.
 */
describe('read-only loading of chart records', () => {
  const chart = useChartServices('read-only', { fixtures: [largestFixture().file] });
  const entities = CLINICAL_FEATURES.flatMap((feature) => feature.entities) as EntityClass<{ id: string }>[];

  /** The persisted properties of a loaded record, as plain values. */
  const valuesOf = (em: ReturnType<typeof fork>, entity: EntityClass<object>, record: object) =>
    Object.fromEntries(em.getMetadata().get(entity.name).props.map((prop) => [prop.name, (record as Record<string, unknown>)[prop.name]]));
  const fork = () => chart.clinical.orm.em.fork();

  it('loads every clinical entity with the same values as em.find, as detached instances of its class', async () => {
    let compared = 0;
    for (const entity of entities) {
      const meta = fork().getMetadata().get(entity.name);
      if (meta.props.some((prop) => prop.kind !== 'scalar')) continue; // relations are not loaded read-only
      const managed = await fork().find(entity, {}, { orderBy: { id: 'asc' } as never });
      const em = fork();
      const detached = await findReadOnly(em, entity, {}, { orderBy: { id: 'asc' } as never });
      expect(detached.map((record) => valuesOf(em, entity, record))).toEqual(managed.map((record) => valuesOf(em, entity, record)));
      for (const record of detached) {
        expect(record).toBeInstanceOf(entity);
        expect(em.getUnitOfWork().getById(entity.name, record.id)).toBeUndefined();
      }
      compared += detached.length;
    }
    expect(compared).toBeGreaterThan(500); // the fixture's chart, not empty tables
  });

  it('maps raw rows like em.map does', async () => {
    const em = fork();
    const rows: Record<string, unknown>[] = await em.getConnection().execute('select * from "clinical"."observation" order by "id" limit 50');
    expect(rows.length).toBe(50);
    const mapped = rows.map((row) => mapReadOnly(em, Observation, row));
    const managed = rows.map((row) => fork().map(Observation, row));
    expect(mapped.map((record) => valuesOf(em, Observation, record))).toEqual(managed.map((record) => valuesOf(em, Observation, record)));
    for (const record of mapped) expect(em.getUnitOfWork().getById('Observation', record.id)).toBeUndefined();
  });

  it('pages exactly like em.findByCursor: same items, cursors, counts and page flags', async () => {
    const orderBy = { effectiveAt: 'desc', id: 'asc' } as const;
    let after: string | undefined;
    let pages = 0;
    do {
      const expected = await fork().findByCursor(Observation, {}, { first: 40, after, orderBy, includeCount: true });
      const actual = await findPageReadOnly(fork(), Observation, {}, { first: 40, after, orderBy, includeCount: true });
      expect(actual.items.map((record) => record.id)).toEqual(expected.items.map((record) => record.id));
      expect([actual.startCursor, actual.endCursor, actual.totalCount, actual.hasNextPage, actual.hasPrevPage])
        .toEqual([expected.startCursor, expected.endCursor, expected.totalCount, expected.hasNextPage, expected.hasPrevPage]);
      after = actual.hasNextPage ? actual.endCursor! : undefined;
      pages += 1;
    } while (after);
    expect(pages).toBeGreaterThan(2);
  });
});
