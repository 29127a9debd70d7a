import { connectionItemFields, declareReadNeeds, selectedFields } from '@caregraph/platform';
import { Max, Min } from 'class-validator';
import { getArgumentValues, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Ctx, Field, FieldResolver, Info, Int, Resolver, Root, type ClassType } from 'type-graphql';
import type { ClinicalContext } from '../context';
import { Encounter } from '../encounter/encounter.entity';
import type { ClinicalRecord } from './clinical-record';
import { DEFAULT_PER_ENCOUNTER, MAX_PER_ENCOUNTER, type RecordsByEncounterLoader } from './record-loaders';

@ArgsType()
export class EncounterRecordsArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PER_ENCOUNTER, description: `The newest this many (at most ${MAX_PER_ENCOUNTER}); the patient's own lists page through everything` })
  @Min(1) @Max(MAX_PER_ENCOUNTER)
  first: number = DEFAULT_PER_ENCOUNTER;
}

/** The loader of an Encounter field's records: per request, per page size and per selection. */
type LinkedRecordsLoaderOf = (ctx: ClinicalContext, first: number, fields: Iterable<string>) => RecordsByEncounterLoader<any>;

/** Each Encounter field encounterRecordsResolver made, with its loader: what prefetchLinkedRecords starts. */
const linkedRecordFields = new Map<string, LinkedRecordsLoaderOf>();

/**
 * `Encounter.<field>`: the records of one type linked to an encounter, newest first, from a
 * feature's per-encounter loader (one query per record type for a whole page of encounters).
 * Each feature adds its own field with this, so the encounter knows no feature.
 */
export function encounterRecordsResolver<E extends ClinicalRecord>(
  type: ClassType<E>,
  field: string,
  description: string,
  loaderOf: (ctx: ClinicalContext, first: number, fields: Iterable<string>) => RecordsByEncounterLoader<E>,
): Function {
  linkedRecordFields.set(field, loaderOf);
  // the decorators are applied by hand so the method carries the field's own name: type-graphql
  // tells field resolvers apart by method name, and every class this factory makes is alike
  class EncounterRecordsResolver {}
  const resolve = (encounter: Encounter, { first }: EncounterRecordsArgs, ctx: ClinicalContext, info: GraphQLResolveInfo): Promise<E[]> =>
    loaderOf(ctx, first, selectedFields(info)).load(encounter.id);
  const descriptor: PropertyDescriptor = { value: resolve, writable: true, configurable: true };
  Object.defineProperty(EncounterRecordsResolver.prototype, field, descriptor);
  Root()(EncounterRecordsResolver.prototype, field, 0);
  Args(() => EncounterRecordsArgs)(EncounterRecordsResolver.prototype, field, 1);
  Ctx()(EncounterRecordsResolver.prototype, field, 2);
  Info()(EncounterRecordsResolver.prototype, field, 3);
  // the field reads the encounter's id only, which every read of an encounter has
  declareReadNeeds(Encounter, { fields: { [field]: [] } });
  FieldResolver(() => [type], { description })(EncounterRecordsResolver.prototype, field, descriptor);
  Resolver(() => Encounter)(EncounterRecordsResolver);
  return EncounterRecordsResolver;
}

/**
 * For a page of encounters just read (`info`: the encounter list's), starts reading the linked
 * records the query selects on them, with the same loaders, page sizes and columns their fields
 * will ask for (RecordsByEncounterLoader.prefetch): their statements then run beside the rest of
 * the chart instead of after it. A field whose arguments would not pass its own validation is
 * left to answer its error.
 */
export function prefetchLinkedRecords(ctx: ClinicalContext, info: GraphQLResolveInfo, encounterIds: readonly string[], allowed: Promise<boolean>): void {
  const encounterFields = (info.schema.getType('Encounter') as GraphQLObjectType).getFields();
  for (const nodes of connectionItemFields(info).values()) {
    const loaderOf = linkedRecordFields.get(nodes[0].name.value);
    if (!loaderOf) continue;
    let first: unknown;
    try {
      ({ first } = getArgumentValues(encounterFields[nodes[0].name.value], nodes[0], info.variableValues));
    } catch {
      continue;
    }
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_PER_ENCOUNTER) continue;
    loaderOf(ctx, first, selectedFields({ fieldNodes: nodes, fragments: info.fragments })).prefetch(encounterIds, allowed);
  }
}
