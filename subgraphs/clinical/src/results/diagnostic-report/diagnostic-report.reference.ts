import type { RequestContext } from '@caregraph/platform';
import { reportById } from './diagnostic-report.loaders';

/** `_entities` resolution for DiagnosticReport (access-checked, batched per request). */
export const diagnosticReportReference = {
  DiagnosticReport: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext) => reportById(ctx).load(ref.id),
  },
};
