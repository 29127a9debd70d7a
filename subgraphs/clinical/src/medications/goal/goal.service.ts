import { perRequest, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { listChartRecords } from '../../chart/chart-list';
import { recordById } from '../../chart/record-loaders';
import { Goal } from './goal.entity';
import type { PatientGoalsArgs } from './goal.inputs';

/** Goals of patients' care (imported). */
export class GoalService {
  static of(ctx: RequestContext): GoalService {
    return perRequest(ctx, GoalService, () => new GoalService(ctx));
  }

  /** Batches goal lookups (`goal(id)`, `_entities`, CarePlan.goals) into one query per tick; hidden and unknown ones are null. */
  get loader(): DataLoader<string, Goal | null> {
    return recordById(this.ctx, Goal, 'Goal');
  }

  private constructor(private readonly ctx: RequestContext) {}

  /** A patient's goals, newest start first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientGoalsArgs, selection: ListSelection): Promise<Connection<Goal> | null> {
    return listChartRecords(this.ctx, {
      entity: Goal,
      recordType: 'Goal',
      patientId,
      args,
      dateField: 'startAt',
      codeField: 'codeValue',
      where: args.lifecycleStatus ? { lifecycleStatus: args.lifecycleStatus } : {},
      selection,
    });
  }
}
