import { declareReadNeeds, selectedFields } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { Max, Min } from 'class-validator';
import type { GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Ctx, Field, FieldResolver, Info, Int, Resolver, Root, type ClassType } from 'type-graphql';
import type { ClinicalContext } from '../context';
import { Encounter } from '../encounter/encounter.entity';
import { DEFAULT_PER_ENCOUNTER, MAX_PER_ENCOUNTER } from './record-loaders';

@ArgsType()
export class EncounterRecordsArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PER_ENCOUNTER, description: `The newest this many (at most ${MAX_PER_ENCOUNTER}); the patient's own lists page through everything` })
  @Min(1) @Max(MAX_PER_ENCOUNTER)
  first: number = DEFAULT_PER_ENCOUNTER;
}

/**
 * `Encounter.<field>`: the records of one type linked to an encounter, newest first, from a
 * feature's per-encounter loader (one query per record type for a whole page of encounters).
 * Each feature adds its own field with this, so the encounter knows no feature.
 */
export function encounterRecordsResolver<E extends object>(
  type: ClassType<E>,
  field: string,
  description: string,
  loaderOf: (ctx: ClinicalContext, first: number, fields: Iterable<string>) => DataLoader<string, E[]>,
): Function {
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
