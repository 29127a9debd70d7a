import { useMutation, useQuery } from '@apollo/client';
import { useMemo } from 'react';
import { graphql } from '../gql';
import { humanize } from '../ui/format';
import type { CommentFeed, CommentView } from './feed';

const CHART_COMMENTS = graphql(`
  query ChartComments($patientId: ID!, $first: Int!) {
    patient(id: $patientId) {
      id
      chartComments(first: $first) {
        totalCount
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
    createdAt
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
      organization {
        id
        name
      }
    }
  }
`);

const ADD_CHART_COMMENT = graphql(`
  mutation AddChartComment($input: AddChartCommentInput!) {
    addChartComment(input: $input) {
      ...ChartCommentFields
    }
  }
`);

/** How many comments the panel loads (newest); older ones come with pagination later. */
const PAGE = 100;

/** Chart comments over GraphQL: loaded with the chart, reloaded after each comment. Not live. */
export function useGraphqlCommentFeed(patientId: string): CommentFeed {
  const { data, loading, error, refetch } = useQuery(CHART_COMMENTS, { variables: { patientId, first: PAGE }, notifyOnNetworkStatusChange: true });
  const [addComment] = useMutation(ADD_CHART_COMMENT);
  const comments = useMemo<CommentView[]>(
    () =>
      (data?.patient?.chartComments?.edges ?? [])
        .map(({ node }) => ({
          id: node.id,
          body: node.body,
          createdAt: node.createdAt,
          // the API names the author's role and organization, not the person
          authorName: node.author ? [humanize(node.author.role), node.author.organization?.name].filter((part) => part && part !== '—').join(', ') : null,
          parentId: node.parent?.id ?? null,
          anchor: node.anchor ?? null,
        }))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    [data],
  );
  return {
    status: error ? 'error' : loading && !data ? 'loading' : 'ready',
    error,
    comments,
    live: false,
    viewers: [],
    typing: [],
    add: async (comment) => {
      await addComment({ variables: { input: { patientId, body: comment.body, parentId: comment.parentId, anchor: comment.anchor } } });
      await refetch();
    },
    setTyping: () => undefined,
    reload: () => void refetch(),
  };
}
