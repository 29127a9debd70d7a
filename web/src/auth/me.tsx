import { useQuery } from '@apollo/client';
import { createContext, useContext, type ReactNode } from 'react';
import { graphql } from '../gql';
import type { MeQuery } from '../gql/graphql';
import { ErrorState, Loading } from '../ui/states';

const ME = graphql(`
  query Me {
    me {
      __typename
      ... on UserAccount {
        id
        displayName
        email
        role
        organizationId
        patientId
      }
      ... on ApiClient {
        id
        name
      }
    }
  }
`);

export const ORGANIZATION_NAME = graphql(`
  query OrganizationName($id: ID!) {
    organization(id: $id) {
      id
      name
    }
  }
`);

export type CurrentUser = Extract<MeQuery['me'], { __typename: 'UserAccount' }> & { organizationName?: string };

const MeContext = createContext<CurrentUser | undefined>(undefined);

export function useMe(): CurrentUser {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside MeProvider');
  return me;
}

/** Loads who is signed in (role, organization, patient) once; every page below reads it. */
export function MeProvider({ children }: { children: ReactNode }) {
  const { data, loading, error, refetch } = useQuery(ME);
  const user = data?.me.__typename === 'UserAccount' ? data.me : undefined;
  const organization = useQuery(ORGANIZATION_NAME, { variables: { id: user?.organizationId ?? '' }, skip: !user?.organizationId });
  if (error) return <ErrorState error={error} retry={() => void refetch()} what="your account" />;
  if (loading || !data) return <Loading what="your account" />;
  if (!user) return <ErrorState error={new Error('This client is a partner app: the web client is for people.')} />;
  return <MeContext.Provider value={{ ...user, organizationName: organization.data?.organization?.name }}>{children}</MeContext.Provider>;
}
