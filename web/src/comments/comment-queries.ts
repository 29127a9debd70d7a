import { graphql } from '../gql';
import type { ChartCommentFieldsFragment, ChartCommentsQuery, MentionCandidatesQuery } from '../gql/graphql';
import { anchorRecordLabel } from './anchor-labels';
import type { MentionOption } from './feed';
import type { CommentPage, LiveComment } from './live-comments';

/*
 * What the comment panel asks over GraphQL (no React here: test/web/live-comments.test.ts sends
 * the same documents): a chart's comments, newest first, a page at a time (the first page, then
 * earlier ones by the connection's keyset cursor), and colleagues to @mention.
 */

export const CHART_COMMENTS = graphql(`
  query ChartComments($patientId: ID!, $first: Int!, $after: String) {
    patient(id: $patientId) {
      id
      chartComments(first: $first, after: $after) {
        edges {
          node {
            ...ChartCommentFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
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
      record {
        ...AnchorRecordFields
      }
    }
    parent {
      id
    }
    deletedParent {
      id
      createdAt
      deletedAt
    }
    mentions {
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

/** How many comments a page holds: the first load shows the newest FIRST_LOAD, "Show earlier comments" as many more. */
export const FIRST_LOAD = 100;
export const MENTION_PAGE = 8;

/** A loaded comment in the shape socket events carry, with the names GraphQL adds. */
export function toLiveComment(node: ChartCommentFieldsFragment): LiveComment {
  const { author } = node;
  return {
    id: node.id,
    parentId: node.parent?.id ?? node.deletedParent?.id ?? null,
    anchor: node.anchor ? { type: node.anchor.type, id: node.anchor.id, label: anchorRecordLabel(node.anchor.record) } : null,
    body: node.body,
    mentions: node.mentions.map((mention) => mention.id),
    version: node.version,
    author: author
      ? { userId: author.userId, role: author.role ?? null, organizationId: author.organization?.id ?? null, displayName: author.displayName, organizationName: author.organization?.name ?? null }
      : null,
    createdAt: node.createdAt,
    editedAt: node.editedAt ?? null,
    deletedAt: null,
  };
}

/** A page of ChartComments (null: the chart is not available to the caller). */
export function toCommentPage(data: ChartCommentsQuery): CommentPage | null {
  const connection = data.patient?.chartComments;
  if (!connection) return null;
  const comments = connection.edges.map(({ node }) => toLiveComment(node));
  // a reply to a deleted comment: the deleted one too, as the socket would send it (no text), so
  // the thread stays together under "Comment deleted" instead of the reply standing alone
  const deletedParents = new Map(connection.edges.flatMap(({ node }) => (node.deletedParent ? [[node.deletedParent.id, node.deletedParent]] : [])));
  for (const parent of deletedParents.values()) {
    comments.push({
      id: parent.id, parentId: null, anchor: null, body: null, mentions: [], version: 0, author: null,
      createdAt: parent.createdAt, editedAt: null, deletedAt: parent.deletedAt,
    });
  }
  return {
    comments,
    earlierCursor: connection.pageInfo.hasNextPage ? (connection.pageInfo.endCursor ?? null) : null,
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
