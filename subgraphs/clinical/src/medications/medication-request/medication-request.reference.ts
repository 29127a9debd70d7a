import type { ClinicalContext } from '../../context';
import { MedicationRequestService } from './medication-request.service';

/** `_entities` resolution for MedicationRequest (e.g. a chart comment pinned to one). */
export const medicationRequestReference = {
  MedicationRequest: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => MedicationRequestService.of(ctx).loader.load(ref.id),
  },
};
