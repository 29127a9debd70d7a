import { declareReadNeeds, Coding } from '@caregraph/platform';
import { Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import { Observation } from '../results/observation';

@ObjectType({ description: 'The device that took a remote-monitoring reading' })
export class DeviceSource {
  @Field(() => ID, { description: "caregraph's id of the device, the same on every reading it sends (derived from its identifier)" })
  id!: string;

  @Field({ description: "The device's own identifier (serial number, ...)" })
  identifier!: string;

  @Field(() => Coding, { nullable: true, description: 'What kind of device, as it said' })
  type?: Coding | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field({ description: "The device's own id of this reading (a reading sent again with it is a duplicate)" })
  readingId!: string;
}

@Resolver(() => Observation)
export class ObservationDeviceResolver {
  @FieldResolver(() => DeviceSource, { nullable: true, description: 'The device that took the reading (remote monitoring); null for imported and clinician-entered observations' })
  device(@Root() observation: Observation): DeviceSource | null {
    if (!observation.deviceIdentifier) return null;
    return {
      id: observation.deviceId!,
      identifier: observation.deviceIdentifier,
      type: observation.deviceType ?? null,
      name: observation.deviceName ?? null,
      readingId: observation.deviceReadingId!,
    };
  }
}

// the columns the field above reads (database/projection.ts)
declareReadNeeds(Observation, { fields: { device: ['deviceId', 'deviceIdentifier', 'deviceType', 'deviceName', 'deviceReadingId'] } });
