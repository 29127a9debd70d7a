import { graphql } from '../gql';

graphql(`
  fragment AccountParts on UserAccount {
    id
    email
    displayName
    role
    active
    practitionerId
    lastLoginAt
    lockedUntil
    totpEnabled
    createdAt
  }
`);

export const ORG_ACCOUNTS = graphql(`
  query OrgAccounts($role: UserRole, $first: Int!, $after: String) {
    users(role: $role, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...AccountParts
        }
      }
    }
  }
`);

export const CREATE_ACCOUNT = graphql(`
  mutation CreateAccount($input: CreateUserInput!) {
    createUser(input: $input) {
      ...AccountParts
    }
  }
`);

export const UPDATE_ACCOUNT = graphql(`
  mutation UpdateAccount($input: UpdateUserInput!) {
    updateUser(input: $input) {
      ...AccountParts
    }
  }
`);

export const DEACTIVATE_ACCOUNT = graphql(`
  mutation DeactivateAccount($id: ID!) {
    deactivateUser(id: $id) {
      ...AccountParts
    }
  }
`);

export const PARTNER_APPS = graphql(`
  query PartnerApps($first: Int!, $after: String) {
    apiClients(first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          clientId
          scopes
          active
          createdAt
        }
      }
    }
  }
`);

export const AUDIT_EVENTS = graphql(`
  query AuditLog(
    $action: [AuditAction!]
    $actorId: String
    $patientId: ID
    $from: DateTimeISO
    $to: DateTimeISO
    $outcome: AuditOutcome
    $breakGlass: Boolean
    $first: Int!
    $after: String
  ) {
    auditEvents(
      action: $action
      actorId: $actorId
      patientId: $patientId
      from: $from
      to: $to
      outcome: $outcome
      breakGlass: $breakGlass
      first: $first
      after: $after
    ) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          occurredAt
          service
          actorType
          actorId
          actorName
          actorRole
          actorOrganizationId
          action
          outcome
          patientId
          recordTypes
          purpose
          breakGlass
        }
      }
    }
  }
`);

