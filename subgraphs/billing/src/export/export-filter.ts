import { badInput, flattenValidationErrors, type Principal } from '@caregraph/platform';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import { ClaimAmountKind, ClaimFilter, ClaimOrder, ClaimSortField, SortDirection } from '../worklist/claim-filter.inputs';
import { toClaimQuery, type ClaimQuery } from '../worklist/claim-query';

/** Query parameters of the export whose value is a GraphQL enum name, and the enum it names. */
const ENUM_PARAMS: Record<string, Record<string, string>> = {
  status: ClaimStatus,
  outcome: ClaimOutcome,
  'amount.of': ClaimAmountKind,
  'orderBy.field': ClaimSortField,
  'orderBy.direction': SortDirection,
};
const LIST_PARAMS = new Set(['status', 'payerId', 'denialReasonCode', 'outcome']);
const SCALAR_PARAMS = new Set(['serviceFrom', 'serviceTo', 'providerOrganizationId', 'patientId', 'amount.of', 'amount.currency', 'amount.min', 'amount.max', 'orderBy.field', 'orderBy.direction']);

/**
 * The export's query string as the worklist's filter and order, checked exactly like the GraphQL
 * arguments (the same input classes and checks). Parameters are the GraphQL argument paths:
 * `status=SUBMITTED,ACCEPTED` (or the parameter repeated), `payerId`, `serviceFrom`, `serviceTo`,
 * `providerOrganizationId`, `patientId`, `amount.of`, `amount.currency`, `amount.min`,
 * `amount.max`, `denialReasonCode`, `outcome`, `orderBy.field`, `orderBy.direction`. Anything
 * else, or an unknown value, is BAD_USER_INPUT naming the parameter.
 */
export async function exportQueryOf(principal: Principal, query: Record<string, unknown>): Promise<ClaimQuery> {
  const filter: Record<string, unknown> = {};
  const order: Record<string, unknown> = {};
  for (const [param, raw] of Object.entries(query)) {
    if (!LIST_PARAMS.has(param) && !SCALAR_PARAMS.has(param)) throw badInput(param, `${param} is not a filter of the claims export`);
    const given = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (SCALAR_PARAMS.has(param) && given.length > 1) throw badInput(param, `${param} takes one value`);
    const values = given.flatMap((value) => (LIST_PARAMS.has(param) ? value.split(',') : [value])).map((value) => value.trim()).filter(Boolean);
    const names = ENUM_PARAMS[param];
    const unknown = names && values.find((value) => !(value in names));
    if (unknown !== undefined) throw badInput(param, `${param} must be one of ${Object.keys(names).join(', ')}`);
    const typed = names ? values.map((value) => names[value]) : values;
    const [object, key] = param.includes('.') ? param.split('.') : [null, param];
    const target = object === 'orderBy' ? order : object === 'amount' ? ((filter.amount ??= {}) as Record<string, unknown>) : filter;
    target[key] = LIST_PARAMS.has(param) ? typed : typed[0];
  }
  const instance = plainToInstance(ClaimFilter, filter);
  const orderBy = plainToInstance(ClaimOrder, order);
  const problems = flattenValidationErrors([...(await validate(instance, { forbidUnknownValues: false })), ...(await validate(orderBy, { forbidUnknownValues: false }))]);
  if (problems.length) throw badInput(problems[0].field, problems[0].message);
  return toClaimQuery(principal, instance, orderBy);
}
