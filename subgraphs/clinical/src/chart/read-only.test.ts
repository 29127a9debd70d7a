import { findPageReadOnly, findReadOnly, findTopPerGroupReadOnly, mapReadOnly } from '@caregraph/platform';
import type { EntityClass } from '@mikro-orm/postgresql';
import { useChartServices } from '../../../../test/support/chart-services';
import { captureStatements } from '../../../../test/support/statements';
import { largestFixture } from '../../../../test/support/synthea';
import { Observation } from '../results/observation/observation.entity';
import { Encounter } from '../encounter/encounter.entity';
import { Condition } from '../problems/condition/condition.entity';
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

  it("reads plain tables with its own statements, and anything else through the ORM's query builder", async () => {
    const orm = chart.clinical.orm;
    const plain = await captureStatements([orm], () => findReadOnly(fork(), Observation, { status: 'final', category: { $in: ['laboratory', 'vital-signs'] } } as never, { orderBy: { effectiveAt: 'desc', id: 'asc' } as never }));
    expect(plain.statements).toHaveLength(1);
    expect(plain.statements[0].sql).toMatch(/^select t\."[a-z_]+"(, t\."[a-z_]+")* from "clinical"\."observation" t where t\."status" = \$1 and t\."category" = any\(\$2\) order by t\."effective_at" desc, t\."id" asc$/);
    expect(plain.statements[0].params).toEqual(['final', ['laboratory', 'vital-signs']]);

    // one prepared statement per shape, whatever the page size: the limit is a parameter
    const pageOf = (first: number) => captureStatements([orm], () => findPageReadOnly(fork(), Observation, {}, { first, orderBy: { effectiveAt: 'desc', id: 'asc' }, includeCount: false }));
    const [small, large] = [await pageOf(5), await pageOf(40)];
    expect(small.statements[0].sql).toMatch(/ limit \$1$/);
    expect(large.statements[0].sql).toBe(small.statements[0].sql);
    expect([small.statements[0].params, large.statements[0].params]).toEqual([[6], [41]]); // overfetch by one
    expect([small.result.items.length, large.result.items.length]).toEqual([5, 40]);

    // `$or` is not a shape of the plain path: the ORM builds it, with the same answer as em.find
    const where = { $or: [{ category: 'laboratory' }, { category: 'vital-signs' }] } as never;
    const viaOrm = await captureStatements([orm], () => findReadOnly(fork(), Observation, where, { orderBy: { id: 'asc' } as never }));
    expect(viaOrm.statements[0].sql).not.toMatch(/^select t\./);
    expect(viaOrm.result.map((record) => record.id)).toEqual((await fork().find(Observation, where, { orderBy: { id: 'asc' } })).map((record) => record.id));
    expect(viaOrm.result.length).toBe(plain.result.length);
  });

  it('reads a page and its total in one statement; an empty page still has the right total', async () => {
    const orm = chart.clinical.orm;
    const orderBy = { effectiveAt: 'desc', id: 'asc' } as const;
    const expected = await fork().findByCursor(Observation, { status: 'final' } as never, { first: 10, orderBy, includeCount: true });
    const page = await captureStatements([orm], () => findPageReadOnly(fork(), Observation, { status: 'final' } as never, { first: 10, orderBy, includeCount: true }));
    expect(page.statements).toHaveLength(1);
    expect(page.statements[0].sql).toMatch(/\(select count\(\*\)::int from "clinical"\."observation" t where t\."status" = \$1\) as "__count"/);
    expect([page.result.items.length, page.result.totalCount]).toEqual([10, expected.totalCount]);

    // past the last item no row carries the total: it is asked for on its own
    const all = await fork().findByCursor(Observation, {}, { first: 100_000, orderBy, includeCount: true });
    const pastTheEnd = await captureStatements([orm], () => findPageReadOnly(fork(), Observation, {}, { first: 10, after: all.endCursor!, orderBy, includeCount: true }));
    expect([pastTheEnd.result.items.length, pastTheEnd.result.totalCount, pastTheEnd.result.hasNextPage]).toEqual([0, all.totalCount, false]);
    expect(pastTheEnd.statements).toHaveLength(2);

    // no such records at all: zero, from the one statement
    const none = await captureStatements([orm], () => findPageReadOnly(fork(), Observation, { status: 'no-such-status' } as never, { first: 10, orderBy, includeCount: true }));
    expect([none.result.items.length, none.result.totalCount, none.statements.length]).toEqual([0, 0, 1]);
  });

  it('pages with filters exactly like em.findByCursor: equality, $in, $contains, ranges and codes, through every cursor', async () => {
    const em = fork();
    const [someCode] = await em.getConnection().execute<{ code_value: string }[]>('select code_value from clinical.observation group by code_value order by count(*) desc limit 1');
    const [from, to] = [new Date('2015-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z')];
    const filters: { entity: EntityClass<{ id: string }>; where: object; orderBy: Record<string, 'asc' | 'desc'> }[] = [
      { entity: Observation, where: { category: 'vital-signs', status: { $in: ['final', 'amended'] } }, orderBy: { effectiveAt: 'desc', id: 'asc' } },
      { entity: Observation, where: { codeValue: someCode.code_value, effectiveAt: { $gte: from, $lt: to } }, orderBy: { effectiveAt: 'desc', id: 'asc' } },
      { entity: Condition, where: { clinicalStatus: { $in: ['active', 'resolved'] }, abatementAt: null }, orderBy: { recordedAt: 'desc', id: 'asc' } },
      { entity: Condition, where: { category: { $ne: 'encounter-diagnosis' } }, orderBy: { recordedAt: 'asc', id: 'desc' } },
    ];
    for (const { entity, where, orderBy } of filters) {
      let after: string | undefined;
      let seen = 0;
      do {
        const expected = await fork().findByCursor(entity, where as never, { first: 3, after, orderBy: orderBy as never, includeCount: true });
        const actual = await findPageReadOnly(fork(), entity, where as never, { first: 3, after, orderBy, includeCount: true });
        expect(actual.items.map((record) => record.id)).toEqual(expected.items.map((record) => record.id));
        expect([actual.startCursor, actual.endCursor, actual.totalCount, actual.hasNextPage, actual.hasPrevPage])
          .toEqual([expected.startCursor, expected.endCursor, expected.totalCount, expected.hasNextPage, expected.hasPrevPage]);
        seen += actual.items.length;
        after = actual.hasNextPage ? actual.endCursor! : undefined;
      } while (after);
      expect(seen).toBeGreaterThan(3); // more than one page of each
    }
    // `$contains` on an array column (as an allergy's categories, an imaging study's modalities): an encounter's participants
    const [{ practitioner }] = await em.getConnection().execute<{ practitioner: string }[]>(
      'select unnest(participant_practitioner_ids) as practitioner from clinical.encounter group by 1 order by count(*) desc limit 1');
    const contains = { participantPractitionerIds: { $contains: [practitioner] } } as never;
    const encounters = await findReadOnly(fork(), Encounter, contains, { orderBy: { id: 'asc' } as never });
    expect(encounters.length).toBeGreaterThan(1);
    expect(encounters.map((record) => record.id)).toEqual((await fork().find(Encounter, contains, { orderBy: { id: 'asc' } as never })).map((record) => record.id));
  });

  it("reads inside a transaction on the transaction's connection: a read sees the transaction's own writes", async () => {
    const [existing] = await findReadOnly(fork(), Observation, {}, { limit: 1 } as never);
    const copyId = '00000000-0000-4000-8000-00000000feed';
    await expect(fork().transactional(async (em) => {
      em.create(Observation, { ...valuesOf(em, Observation, existing), id: copyId } as never);
      await em.flush();
      const [seen] = await findReadOnly(em, Observation, { id: copyId });
      expect(seen?.id).toBe(copyId);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await findReadOnly(fork(), Observation, { id: copyId })).toEqual([]);
  });

  it('loads the newest records of each group in one statement, as sorting each group would', async () => {
    const em = fork();
    const encounters = await em.getConnection().execute<{ encounter_id: string }[]>(
      'select encounter_id from clinical.observation where encounter_id is not null group by encounter_id order by count(*) desc limit 5');
    const ids = encounters.map((row) => row.encounter_id);
    const { result, statements } = await captureStatements([chart.clinical.orm], () =>
      findTopPerGroupReadOnly(fork(), Observation, 'encounterId', ids, { effectiveAt: 'desc', id: 'asc' }, 3));
    expect(statements).toHaveLength(1);
    const all = await fork().find(Observation, { encounterId: { $in: ids } }, { orderBy: { effectiveAt: 'desc', id: 'asc' } });
    const expected = ids.flatMap((id) => all.filter((record) => record.encounterId === id).slice(0, 3));
    expect(result.map((record) => record.id).sort()).toEqual(expected.map((record) => record.id).sort());
    expect(result.length).toBe(15); // the five busiest encounters have at least three each
    // in the order asked for, across groups
    const times = result.map((record) => record.effectiveAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
