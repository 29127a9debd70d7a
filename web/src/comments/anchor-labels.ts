import { useApolloClient } from '@apollo/client';
import { useEffect, useRef, useState } from 'react';
import { vitalName } from '../care/vital-names';
import { graphql } from '../gql';
import type { AnchorRecordQuery, AnchorRecordQueryVariables, ChartAnchorType } from '../gql/graphql';
import { formatDate } from '../ui/format';
import type { CommentAnchor } from './feed';

/*
 * What a pinned comment is pinned to, in words ("Blood pressure of Sep 19, 2024"), for comments the
 * chart did not pin itself in this visit: a comment carries only its anchor's type and id, so the
 * record is read once (under the same access rules as the chart) to name it.
 */

export const ANCHOR_RECORD = graphql(`
  query AnchorRecord(
    $id: ID!
    $observation: Boolean!
    $report: Boolean!
    $condition: Boolean!
    $medication: Boolean!
    $immunization: Boolean!
    $procedure: Boolean!
    $allergy: Boolean!
    $carePlan: Boolean!
    $encounter: Boolean!
  ) {
    observation(id: $id) @include(if: $observation) { id effectiveAt code { code display } }
    diagnosticReport(id: $id) @include(if: $report) { id effectiveAt code { code display } }
    condition(id: $id) @include(if: $condition) { id onsetAt code { code display } }
    medicationRequest(id: $id) @include(if: $medication) { id authoredOn code { code display } }
    immunization(id: $id) @include(if: $immunization) { id occurredAt vaccineCode { code display } }
    procedure(id: $id) @include(if: $procedure) { id performedStart code { code display } }
    allergyIntolerance(id: $id) @include(if: $allergy) { id code { code display } }
    carePlan(id: $id) @include(if: $carePlan) { id periodStart title }
    encounter(id: $id) @include(if: $encounter) { id periodStart classCode type { display } }
  }
`);

type Switch = Exclude<keyof AnchorRecordQueryVariables, 'id'>;

/** The query's switch for each anchor type it can name (claims are the billing subgraph's: not named here). */
const SWITCHES: Partial<Record<ChartAnchorType, Switch>> = {
  OBSERVATION: 'observation',
  DIAGNOSTIC_REPORT: 'report',
  CONDITION: 'condition',
  MEDICATION_REQUEST: 'medication',
  IMMUNIZATION: 'immunization',
  PROCEDURE: 'procedure',
  ALLERGY_INTOLERANCE: 'allergy',
  CARE_PLAN: 'carePlan',
  ENCOUNTER: 'encounter',
};

export function anchorRecordVariables(anchor: CommentAnchor): AnchorRecordQueryVariables | null {
  const on = SWITCHES[anchor.type];
  if (!on) return null;
  const off = Object.fromEntries(Object.values(SWITCHES).map((name) => [name, false])) as Record<Switch, boolean>;
  return { ...off, [on]: true, id: anchor.id };
}

const named = (code: { code: string; display?: string | null }) => code.display ?? code.code;

/** The words for a record as the chart's own Comment buttons name it; null when it is not visible (or unknown). */
export function anchorRecordLabel(data: AnchorRecordQuery): string | null {
  if (data.observation) return `${vitalName(data.observation.code)} of ${formatDate(data.observation.effectiveAt)}`;
  if (data.diagnosticReport) return `${named(data.diagnosticReport.code)} of ${formatDate(data.diagnosticReport.effectiveAt)}`;
  if (data.condition) return data.condition.onsetAt ? `${named(data.condition.code)}, since ${formatDate(data.condition.onsetAt)}` : named(data.condition.code);
  if (data.medicationRequest) return `${named(data.medicationRequest.code)}, prescribed ${formatDate(data.medicationRequest.authoredOn)}`;
  if (data.immunization) return `${named(data.immunization.vaccineCode)} of ${formatDate(data.immunization.occurredAt)}`;
  if (data.procedure) return `${named(data.procedure.code)} of ${formatDate(data.procedure.performedStart)}`;
  if (data.allergyIntolerance) return `allergy to ${named(data.allergyIntolerance.code)}`;
  if (data.carePlan) return `${data.carePlan.title ?? 'care plan'} of ${formatDate(data.carePlan.periodStart)}`;
  if (data.encounter) return `${data.encounter.type?.display ?? `${data.encounter.classCode} visit`} of ${formatDate(data.encounter.periodStart)}`;
  return null;
}

/**
 * Labels of `anchors`, by anchor id, as their records are read (each once per page visit; until then,
 * or when a record cannot be read, the panel keeps its generic "an observation").
 */
export function useAnchorLabels(anchors: readonly CommentAnchor[]): Readonly<Record<string, string>> {
  const client = useApolloClient();
  const [labels, setLabels] = useState<Record<string, string>>({});
  const requested = useRef(new Set<string>());
  const wanted = [...new Set(anchors.map((anchor) => `${anchor.type}:${anchor.id}`))].sort().join(',');
  useEffect(() => {
    for (const anchor of anchors) {
      const variables = anchorRecordVariables(anchor);
      if (!variables || requested.current.has(anchor.id)) continue;
      requested.current.add(anchor.id);
      client.query({ query: ANCHOR_RECORD, variables }).then(
        ({ data }) => {
          const label = data && anchorRecordLabel(data);
          if (label) setLabels((current) => ({ ...current, [anchor.id]: label }));
        },
        () => undefined, // not named: the generic words stay
      );
    }
    // `wanted` stands for `anchors` (a new array each render, the same anchors)
  }, [client, wanted]);
  return labels;
}
