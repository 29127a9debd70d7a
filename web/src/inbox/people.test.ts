import { senderName, type ParticipantView } from './people';

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
