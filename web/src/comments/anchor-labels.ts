import { useApolloClient } from '@apollo/client';
import { useEffect, useRef, useState } from 'react';
import { vitalName } from '../care/vital-names';
import { graphql } from '../gql';
import type { AnchorRecordFieldsFragment } from '../gql/graphql';
import { formatDate } from '../ui/format';
import type { CommentAnchor } from './feed';

/*
 * What a pinned comment is pinned to, in words ("Blood pressure of Sep 19, 2024"). A comment's
 * `anchor.record` is the record itself, read by the gateway from the subgraph that owns it under
 * that subgraph's access rules (null when the reader may not see it): the chart's comment pages ask
 * for it with each comment (ChartCommentFields), so they arrive named. Comments that arrive over the
 * socket carry only the anchor's type and id; each of those is named by one request for its record.
 */

export const ANCHOR_RECORD_FIELDS = graphql(`
  fragment AnchorRecordFields on ChartAnchorRecord {
    __typename
    ... on Observation { id effectiveAt code { code display } }
    ... on DiagnosticReport { id effectiveAt code { code display } }
    ... on Condition { id onsetAt code { code display } }
    ... on MedicationRequest { id authoredOn code { code display } }
    ... on Immunization { id occurredAt vaccineCode { code display } }
    ... on Procedure { id performedStart code { code display } }
    ... on AllergyIntolerance { id code { code display } }
    ... on CarePlan { id periodStart title }
    ... on Encounter { id periodStart classCode type { display } }
  }
`);

export const COMMENT_ANCHOR_RECORD = graphql(`
  query CommentAnchorRecord($id: ID!) {
    chartComment(id: $id) {
      id
      anchor {
        type
        id
        record {
          ...AnchorRecordFields
        }
      }
    }
  }
`);

const named = (code: { code: string; display?: string | null }) => code.display ?? code.code;

/** The words for a record as the chart's own Comment buttons name it; null when it is not visible (or not named here, e.g. a claim). */
export function anchorRecordLabel(record: AnchorRecordFieldsFragment | null | undefined): string | null {
  switch (record?.__typename) {
    case 'Observation':
      return `${vitalName(record.code)} of ${formatDate(record.effectiveAt)}`;
    case 'DiagnosticReport':
      return `${named(record.code)} of ${formatDate(record.effectiveAt)}`;
    case 'Condition':
      return record.onsetAt ? `${named(record.code)}, since ${formatDate(record.onsetAt)}` : named(record.code);
    case 'MedicationRequest':
      return `${named(record.code)}, prescribed ${formatDate(record.authoredOn)}`;
    case 'Immunization':
      return `${named(record.vaccineCode)} of ${formatDate(record.occurredAt)}`;
    case 'Procedure':
      return `${named(record.code)} of ${formatDate(record.performedStart)}`;
    case 'AllergyIntolerance':
      return `allergy to ${named(record.code)}`;
    case 'CarePlan':
      return `${record.title ?? 'care plan'} of ${formatDate(record.periodStart)}`;
    case 'Encounter':
      return `${record.type?.display ?? `${record.classCode} visit`} of ${formatDate(record.periodStart)}`;
    default:
      return null;
  }
}

/**
 * Labels, by anchor id, of the records `comments` are pinned to that arrived without one (over the
 * socket): each comment's record is read once per page visit; until then, or when it cannot be
 * read, the panel keeps its generic words ("an observation").
 */
export function useAnchorLabels(comments: readonly { id: string; anchor: CommentAnchor }[]): Readonly<Record<string, string>> {
  const client = useApolloClient();
  const [labels, setLabels] = useState<Record<string, string>>({});
  const requested = useRef(new Set<string>());
  const wanted = [...new Set(comments.map((comment) => comment.anchor.id))].sort().join(',');
  useEffect(() => {
    for (const { id, anchor } of comments) {
      if (requested.current.has(anchor.id)) continue;
      requested.current.add(anchor.id);
      client.query({ query: COMMENT_ANCHOR_RECORD, variables: { id } }).then(
        ({ data }) => {
          const label = anchorRecordLabel(data?.chartComment?.anchor?.record);
          if (label) setLabels((current) => ({ ...current, [anchor.id]: label }));
        },
        () => undefined, // not named: the generic words stay
      );
    }
    // `wanted` stands for `comments` (a new array each render, the same anchors)
  }, [client, wanted]);
  return labels;
}
