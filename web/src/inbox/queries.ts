import { graphql } from '../gql';

/*
 * The inbox's operations: provider message threads and notifications (messaging subgraph), the
 * colleagues a thread may include, and patients to start one about.
 */

/** The navigation badge: unread messages over all threads plus unread notifications (one small request). */
export const INBOX_UNREAD = graphql(`
  query InboxUnread {
    messageThreads(first: 1) {
      unreadCount
    }
    myNotifications(first: 1, unreadOnly: true) {
      unreadCount
    }
  }
`);

graphql(`
  fragment InboxParticipant on ThreadParticipant {
    userId
    displayName
    role
    lastReadMessageId
    organization {
      id
      name
    }
  }
`);

graphql(`
  fragment InboxMessage on ProviderMessage {
    id
    body
    createdAt
    senderUserId
    senderDisplayName
  }
`);

graphql(`
  fragment InboxPageInfo on PageInfo {
    hasNextPage
    endCursor
  }
`);

graphql(`
  fragment InboxPatient on Patient {
    id
    birthDate
    names { ...NameParts }
  }
`);

export const INBOX_THREADS = graphql(`
  query InboxThreads($first: Int!, $after: String) {
    messageThreads(first: $first, after: $after) {
      unreadCount
      edges {
        node {
          id
          kind
          subject
          unreadCount
          lastActivityAt
          patient { ...InboxPatient }
          participants { ...InboxParticipant }
          lastMessage { ...InboxMessage }
        }
      }
      pageInfo { ...InboxPageInfo }
    }
  }
`);

export const INBOX_THREAD = graphql(`
  query InboxThread($id: ID!, $first: Int!, $after: String) {
    messageThread(id: $id) {
      id
      kind
      subject
      unreadCount
      createdAt
      patient { ...InboxPatient }
      participants { ...InboxParticipant }
      messages(first: $first, after: $after) {
        edges {
          node { ...InboxMessage }
        }
        pageInfo { ...InboxPageInfo }
      }
    }
  }
`);

export const MARK_THREAD_READ = graphql(`
  mutation MarkThreadRead($input: MarkThreadReadInput!) {
    markThreadRead(input: $input) {
      userId
      lastReadMessageId
      lastReadAt
    }
  }
`);

export const SEND_MESSAGE = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      threadId
      createdAt
    }
  }
`);

export const START_THREAD = graphql(`
  mutation StartThread($input: StartThreadInput!) {
    startThread(input: $input) {
      id
    }
  }
`);

export const INBOX_NOTIFICATIONS = graphql(`
  query InboxNotifications($first: Int!, $after: String) {
    myNotifications(first: $first, after: $after) {
      unreadCount
      edges {
        node {
          id
          kind
          createdAt
          readAt
          patient { ...InboxPatient }
          mention {
            commentId
            comment {
              id
              body
              author {
                userId
                displayName
                organization { id name }
              }
            }
          }
          monitoringAlert {
            code
            direction
          }
          careGap {
            ruleCode
            status
            dueDate
          }
        }
      }
      pageInfo { ...InboxPageInfo }
    }
  }
`);

export const MARK_NOTIFICATIONS_READ = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) {
      marked
      unreadCount
    }
  }
`);

/** Physicians and nurses of your organization; with a patient, those of them who may see the chart. */
export const COLLEAGUES = graphql(`
  query InboxColleagues($name: String, $patientId: ID, $first: Int!) {
    colleagues(name: $name, patientId: $patientId, first: $first) {
      edges {
        node {
          userId
          displayName
          role
        }
      }
    }
  }
`);

/** About a patient: clinicians of any organization who may read the chart (those linked to a practitioner record). */
export const CHART_COLLEAGUES = graphql(`
  query InboxChartColleagues($patientId: ID!, $name: String, $first: Int!) {
    mentionCandidates(patientId: $patientId, name: $name, first: $first) {
      edges {
        node {
          userId
          displayName
          role
          organization {
            id
            name
          }
        }
      }
    }
  }
`);

export const INBOX_PATIENTS = graphql(`
  query InboxPatients($name: String!, $first: Int!) {
    patients(name: $name, first: $first) {
      edges {
        node { ...InboxPatient }
      }
    }
  }
`);

/** The patient a new thread starts about, from the chart's "Message about this patient" (`/inbox/new?patient=<id>`). */
export const INBOX_PATIENT = graphql(`
  query InboxPatient($id: ID!) {
    patient(id: $id) {
      ...InboxPatient
    }
  }
`);
