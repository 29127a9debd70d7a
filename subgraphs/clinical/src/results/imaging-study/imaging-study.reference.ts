import type { RequestContext } from '@caregraph/platform';
import { imagingStudyById } from './imaging-study.loaders';

/** `_entities` resolution for ImagingStudy (access-checked, batched per request). */
export const imagingStudyReference = {
  ImagingStudy: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext) => imagingStudyById(ctx).load(ref.id),
  },
};
