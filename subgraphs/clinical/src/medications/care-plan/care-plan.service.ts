import { perRequest, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { listChartRecords } from '../../chart/chart-list';
import { recordById } from '../../chart/record-loaders';
import type { Goal } from '../goal/goal.entity';
import { GoalService } from '../goal/goal.service';
import { CarePlan } from './care-plan.entity';
import type { PatientCarePlansArgs } from './care-plan.inputs';

/** Care plans of patients (imported). */
export class CarePlanService {
  static of(ctx: RequestContext): CarePlanService {
    return perRequest(ctx, CarePlanService, () => new CarePlanService(ctx));
  }

  /** Batches care plan lookups (`carePlan(id)`, `_entities`); hidden and unknown ones are null. */
  get loader(): DataLoader<string, CarePlan | null> {
    return recordById(this.ctx, CarePlan, 'CarePlan');
  }

  private constructor(private readonly ctx: RequestContext) {}

  /** A patient's care plans, newest start first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientCarePlansArgs, selection: ListSelection): Promise<Connection<CarePlan> | null> {
    return listChartRecords(this.ctx, {
      entity: CarePlan,
      recordType: 'CarePlan',
      patientId,
      args,
      dateField: 'periodStart',
      codeField: 'codeValue',
      where: args.status ? { status: args.status } : {},
      selection,
    });
  }

  /**
   * The goals a plan names, in plan order: through the goal loader, so every plan of a page
   * shares one query and each goal is access-checked (and audited) as a Goal read. Goals that
   * were not imported, or that the caller may not see, are left out.
   */
  async goalsOf(plan: CarePlan): Promise<Goal[]> {
    const goals = await GoalService.of(this.ctx).loader.loadMany(plan.goalIds);
    return goals.filter((goal): goal is Goal => Boolean(goal) && !(goal instanceof Error));
  }
}
