import { ConnectionType, selectsTotalCount, type RequestContext } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Observation, observationById } from '../results/observation';
import { OrganizationRef, PatientRef } from '../stubs';
import { DeviceReadingsService } from './device-readings.service';
import { MonitoringAlert } from './monitoring-alert.entity';
import { MonitoringAlertService } from './monitoring-alerts.service';
import { MonitoringThreshold } from './monitoring-threshold.entity';
import { MonitoringThresholdService } from './monitoring-thresholds.service';
import { MonitoringAlertsArgs, RecordDeviceReadingsInput, SetMonitoringThresholdInput } from './monitoring.inputs';

@ObjectType()
export class MonitoringAlertConnection extends ConnectionType(MonitoringAlert) {}

@ObjectType({ description: 'What recordDeviceReadings (and POST /devices/readings) stored' })
export class DeviceReadingsResult {
  @Field(() => Int, { description: 'Readings stored now' })
  accepted!: number;

  @Field(() => Int, { description: 'Readings stored before (same device identifier and readingId, or twice in the batch): not stored again' })
  duplicates!: number;

  @Field(() => [Observation], { description: 'The observations stored now, in the order sent' })
  observations!: Observation[];

  @Field(() => [MonitoringAlert], { description: "The alerts the new readings raised, for callers who may read the patient's chart (none for a write-only partner app)" })
  alerts!: MonitoringAlert[];
}

@Resolver()
export class MonitoringResolver {
  @Mutation(() => DeviceReadingsResult, {
    description: 'Stores a batch of one device\'s readings of one patient (at most 500): all checked first (errors name readings[i].<field>), then stored with the alerts they raise, '
      + 'or nothing. Sent by the patient themself, their physicians and nurses, or a partner app with an Observation create scope (system/Observation.c, .write, .cruds).',
  })
  recordDeviceReadings(@Arg('input', () => RecordDeviceReadingsInput) input: RecordDeviceReadingsInput, @Ctx() ctx: RequestContext): Promise<DeviceReadingsResult> {
    return DeviceReadingsService.of(ctx).record(input);
  }

  @Mutation(() => MonitoringThreshold, {
    description: "Sets the caller's organization's limits for one patient's readings of one code (replacing its previous ones for that code). Physicians and nurses of an organization that may see the patient's chart.",
  })
  setMonitoringThreshold(@Arg('input', () => SetMonitoringThresholdInput) input: SetMonitoringThresholdInput, @Ctx() ctx: RequestContext): Promise<MonitoringThreshold> {
    return MonitoringThresholdService.of(ctx).set(input);
  }

  @Mutation(() => MonitoringThreshold, { description: 'Removes a threshold (physicians and nurses of the organization that set it) and returns it as it was; its alerts stay' })
  removeMonitoringThreshold(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<MonitoringThreshold> {
    return MonitoringThresholdService.of(ctx).remove(id);
  }

  @Mutation(() => MonitoringAlert, {
    description: 'Acknowledges an alert (physicians and nurses of the organization whose threshold raised it). Already acknowledged: CONFLICT with extensions { acknowledgedBy, acknowledgedAt }.',
  })
  acknowledgeMonitoringAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<MonitoringAlert> {
    return MonitoringAlertService.of(ctx).acknowledge(id);
  }

  @Query(() => MonitoringAlertConnection, {
    description: "Alerts of the caller's organization (raised by thresholds it set), newest first; status OPEN for the worklist. Physicians and nurses.",
  })
  monitoringAlerts(@Args() args: MonitoringAlertsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return MonitoringAlertService.of(ctx).listForOrganization(args, selectsTotalCount(info));
  }
}

@Resolver(() => PatientRef)
export class PatientMonitoringResolver {
  @FieldResolver(() => [MonitoringThreshold], { nullable: true, description: "The patient's monitoring thresholds from every organization, newest first" })
  monitoringThresholds(@Root() patient: PatientRef, @Ctx() ctx: RequestContext): Promise<MonitoringThreshold[] | null> {
    return MonitoringThresholdService.of(ctx).listForPatient(patient.id);
  }

  @FieldResolver(() => MonitoringAlertConnection, { nullable: true, description: "The patient's monitoring alerts from every organization, newest first" })
  monitoringAlerts(@Root() patient: PatientRef, @Args() args: MonitoringAlertsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return MonitoringAlertService.of(ctx).listForPatient(patient.id, args, selectsTotalCount(info));
  }
}

@Resolver(() => MonitoringThreshold)
export class MonitoringThresholdFieldsResolver {
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() threshold: MonitoringThreshold): PatientRef {
    return { id: threshold.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization that set it (its clinicians get the alerts)' })
  organization(@Root() threshold: MonitoringThreshold): OrganizationRef {
    return { id: threshold.organizationId };
  }
}

@Resolver(() => MonitoringAlert)
export class MonitoringAlertFieldsResolver {
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() alert: MonitoringAlert): PatientRef {
    return { id: alert.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization whose threshold it crossed' })
  organization(@Root() alert: MonitoringAlert): OrganizationRef {
    return { id: alert.organizationId };
  }

  @FieldResolver(() => Observation, { nullable: true, description: 'The reading (for blood pressure, the panel whose component crossed)' })
  observation(@Root() alert: MonitoringAlert, @Ctx() ctx: RequestContext): Promise<Observation | null> {
    return observationById(ctx).load(alert.observationId);
  }

  @FieldResolver(() => MonitoringThreshold, { nullable: true, description: 'The threshold it crossed; null once removed (value, unit and limit stay on the alert)' })
  threshold(@Root() alert: MonitoringAlert, @Ctx() ctx: RequestContext): Promise<MonitoringThreshold | null> | null {
    return alert.thresholdId ? MonitoringThresholdService.of(ctx).byId.load(alert.thresholdId) : null;
  }
}
