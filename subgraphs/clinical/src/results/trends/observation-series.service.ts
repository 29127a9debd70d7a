import { badInput, perRequest, type RequestContext } from '@caregraph/platform';
import { validate as isUuid } from 'uuid';
import { RESULTED_OBSERVATION_STATUSES } from '../observation/observation.entity';
import { BLOOD_PRESSURE_PANELS, DIASTOLIC, SYSTOLIC } from '../observation/vital-signs';
import { MAX_SERIES_POINTS, type ObservationPoint, type ObservationSeriesArgs } from './observation-series.types';

interface PointRow {
  id: string;
  organization_id: string;
  effective_at: Date;
  value: string | number | null;
  unit: string | null;
  systolic: string | null;
  diastolic: string | null;
  component_unit: string | null;
}

const numberOrNull = (value: string | number | null): number | null => (value === null || value === undefined ? null : Number(value));

/** Trends of one observation code across every organization that measured it. */
export class ObservationSeriesService {
  constructor(private readonly ctx: RequestContext) {}

  static of(ctx: RequestContext): ObservationSeriesService {
    return perRequest(ctx, ObservationSeriesService, () => new ObservationSeriesService(ctx));
  }

  /**
   * The resulted measurements of `code` in time order (the most recent MAX_SERIES_POINTS), in one
   * statement over the (patient_id, code_value, effective_at) index; blood pressure panels carry
   * their systolic and diastolic components. Null when the caller may not see the patient's
   * clinical record (or the id is unknown).
   */
  async series(patientId: string, args: ObservationSeriesArgs): Promise<ObservationPoint[] | null> {
    if (args.from && args.to && args.to < args.from) throw badInput('to', 'to must not be before from');
    if (!isUuid(patientId)) return null;

    const codes = BLOOD_PRESSURE_PANELS.includes(args.code) ? BLOOD_PRESSURE_PANELS : [args.code];
    const params: unknown[] = [SYSTOLIC, SYSTOLIC, DIASTOLIC, patientId.toLowerCase(), ...codes, ...RESULTED_OBSERVATION_STATUSES];
    const window: string[] = [];
    if (args.from) {
      window.push('and "effective_at" >= ?');
      params.push(args.from);
    }
    if (args.to) {
      window.push('and "effective_at" < ?');
      params.push(args.to);
    }
    params.push(MAX_SERIES_POINTS);

    const component = (alias: string, path: string) =>
      `(select c ${path} from jsonb_array_elements(o."components") c where c->'code'->>'code' = ? limit 1) as ${alias}`;
    // the newest MAX_SERIES_POINTS in index order, then turned to time order
    const rows = await this.ctx.access.readIfAllowed(patientId, 'clinical', 'Observation', (): Promise<PointRow[]> => this.ctx.em.getConnection().execute(
      `select o."id", o."organization_id", o."effective_at",
              coalesce(o."value_quantity", o."value_integer") as value, o."value_unit" as unit,
              ${component('systolic', `->'quantity'->>'value'`)},
              ${component('component_unit', `->'quantity'->>'unit'`)},
              ${component('diastolic', `->'quantity'->>'value'`)}
         from (select * from "clinical"."observation"
                where "patient_id" = ? and "code_value" in (${codes.map(() => '?').join(', ')})
                  and "status" in (${RESULTED_OBSERVATION_STATUSES.map(() => '?').join(', ')})
                  and ("value_quantity" is not null or "value_integer" is not null or "components" <> '[]'::jsonb)
                  ${window.join(' ')}
                order by "effective_at" desc, "id"
                limit ?) o
        order by o."effective_at", o."id" desc`,
      params,
    ));
    if (!rows) return null;
    if (rows.length) this.ctx.access.noteRead(patientId, 'clinical', 'Observation', rows.length);
    return rows.map((row) => ({
      effectiveAt: new Date(row.effective_at),
      value: numberOrNull(row.value),
      unit: row.unit ?? row.component_unit,
      systolic: numberOrNull(row.systolic),
      diastolic: numberOrNull(row.diastolic),
      organization: { id: row.organization_id },
      observationId: row.id,
    }));
  }
}
