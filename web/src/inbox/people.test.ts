import { describeNotification } from './NotificationsSection';
import { excerpt, senderName, type ParticipantView } from './people';

describe('senderName', () => {
  const bayview = { id: 'org-bayview', name: 'Bayview Regional Hospital' };
  const northfield = { id: 'org-northfield', name: 'Northfield University Hospital' };
  const participants: ParticipantView[] = [
    { userId: 'me', displayName: 'Demo Physician', role: 'physician', organization: bayview },
    { userId: 'colleague', displayName: 'Dr Ana Ruiz', role: 'nurse', organization: bayview },
    { userId: 'elsewhere', displayName: 'Demo Physician', role: 'physician', organization: northfield },
  ];
  const reader = { id: 'me', organizationId: bayview.id };
  const from = (senderUserId: string, senderDisplayName: string | null) => senderName({ senderUserId, senderDisplayName }, reader, participants);

  it('calls the reader "You"', () => expect(from('me', 'Demo Physician')).toBe('You'));
  it('names a colleague of the same organization by name only', () => expect(from('colleague', 'Dr Ana Ruiz')).toBe('Dr Ana Ruiz'));
  it("names another organization's clinician with their organization", () => expect(from('elsewhere', 'Demo Physician')).toBe('Demo Physician (Northfield University Hospital)'));
  it('falls back to "A clinician" without a display name, and to the name alone when the sender is no longer a participant', () => {
    expect(from('elsewhere', null)).toBe('A clinician (Northfield University Hospital)');
    expect(from('gone', 'Dr Lee')).toBe('Dr Lee');
  });
});

describe('describeNotification of a mention', () => {
  const reader = { id: 'me', organizationId: 'org-bayview' };
  const mention = (comment: { author: { userId: string; displayName: string | null; organization: { id: string; name: string } | null } } | null) =>
    ({ kind: 'MENTION' as const, monitoringAlert: null, careGap: null, mention: { commentId: 'c1', comment: comment && { id: 'c1', body: 'text', ...comment } } });

  it('names who mentioned the reader, with their organization when it is another one', () => {
    expect(describeNotification(mention({ author: { userId: 'u2', displayName: 'Demo Physician', organization: { id: 'org-northfield', name: 'Northfield University Hospital' } } }), reader))
      .toBe('Demo Physician (Northfield University Hospital) mentioned you in a chart comment');
    expect(describeNotification(mention({ author: { userId: 'u3', displayName: 'Dr Ana Ruiz', organization: { id: 'org-bayview', name: 'Bayview Regional Hospital' } } }), reader))
      .toBe('Dr Ana Ruiz mentioned you in a chart comment');
  });

  it('says only that there was a mention once the comment is gone or out of sight', () => {
    expect(describeNotification(mention(null), reader)).toBe('You were mentioned in a chart comment');
  });
});

describe('excerpt', () => {
  it('keeps a short text whole and cuts a long one at 140 characters', () => {
    expect(excerpt('short')).toBe('short');
    expect(excerpt('x'.repeat(200))).toBe(`${'x'.repeat(140)}…`);
  });
});
