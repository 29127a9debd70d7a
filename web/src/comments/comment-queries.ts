import { graphql } from '../gql';
import type { ChartCommentFieldsFragment, MentionCandidatesQuery } from '../gql/graphql';
import type { MentionOption } from './feed';
import type { LiveComment } from './live-comments';

/*
 * What the comment panel asks over GraphQL (no React here: test/web/live-comments.test.ts sends
 * the same documents): the first load of a chart's comments, and colleagues to @mention.
 */

export const CHART_COMMENTS = graphql(`
  query ChartComments($patientId: ID!, $first: Int!) {
    patient(id: $patientId) {
      id
      chartComments(first: $first) {
        edges {
          node {
            ...ChartCommentFields
          }
        }
      }
    }
  }
  fragment ChartCommentFields on ChartComment {
    id
    body
    version
    createdAt
    editedAt
    anchor {
      type
      id
    }
    parent {
      id
    }
    author {
      userId
      role
      displayName
      organization {
        id
        name
      }
    }
  }
`);

export const MENTION_CANDIDATES = graphql(`
  query MentionCandidates($patientId: ID!, $name: String, $first: Int!) {
    mentionCandidates(patientId: $patientId, name: $name, first: $first) {
      edges {
        node {
          practitionerId
          displayName
          organization {
            id
            name
          }
        }
      }
    }
  }
`);

/** How many of the newest comments the first load shows (older ones are not shown yet). */
export const FIRST_LOAD = 100;
export const MENTION_PAGE = 8;

/** A loaded comment in the shape socket events carry, with the names GraphQL adds. */
export function toLiveComment(node: ChartCommentFieldsFragment): LiveComment {
  const { author } = node;
  return {
    id: node.id,
    parentId: node.parent?.id ?? null,
    anchor: node.anchor ? { type: node.anchor.type, id: node.anchor.id } : null,
    body: node.body,
    version: node.version,
    author: author
      ? { userId: author.userId, role: author.role ?? null, organizationId: author.organization?.id ?? null, displayName: author.displayName, organizationName: author.organization?.name ?? null }
      : null,
    createdAt: node.createdAt,
    editedAt: node.editedAt ?? null,
    deletedAt: null,
  };
}

/** One option per practitioner (someone with two accounts shows once). */
export function toMentionOptions(data: MentionCandidatesQuery): MentionOption[] {
  const seen = new Set<string>();
  return data.mentionCandidates.edges.flatMap(({ node }) => {
    if (seen.has(node.practitionerId)) return [];
    seen.add(node.practitionerId);
    return [{ practitionerId: node.practitionerId, name: node.displayName, organizationName: node.organization?.name ?? null }];
  });
}
