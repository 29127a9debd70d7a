import { auditEventsVariables, auditFilterFromParams, BREAK_GLASS_REVIEW, NO_AUDIT_FILTER, paramsFromAuditFilter, type AuditFilter } from './audit-filter';

describe('the audit log filter in the URL', () => {
  it('survives the URL unchanged, and an empty filter leaves the URL empty', () => {
    const filter: AuditFilter = {
      action: ['READ', 'BREAK_GLASS'], actorId: 'user-1', patientId: 'patient-1', from: '2026-03-01T08:00', to: '2026-03-02T00:00', outcome: 'DENIED', breakGlass: true,
    };
    expect(auditFilterFromParams(new URLSearchParams(paramsFromAuditFilter(filter).toString()))).toEqual(filter);
    expect(paramsFromAuditFilter(NO_AUDIT_FILTER).toString()).toBe('');
    expect(paramsFromAuditFilter(BREAK_GLASS_REVIEW).toString()).toBe('breakGlass=1');
  });

  it('drops what the API would refuse: unknown actions and outcomes from an edited URL', () => {
    expect(auditFilterFromParams(new URLSearchParams('action=READ,DROP_TABLE&outcome=MAYBE'))).toEqual({ ...NO_AUDIT_FILTER, action: ['READ'] });
  });

  it('sends only the fields that filter, with local times as instants', () => {
    expect(auditEventsVariables({ ...NO_AUDIT_FILTER, actorId: '  ' })).toEqual({
      action: undefined, actorId: undefined, patientId: undefined, from: undefined, to: undefined, outcome: undefined, breakGlass: undefined,
    });
    const variables = auditEventsVariables({ ...NO_AUDIT_FILTER, from: '2026-03-01T08:00', patientId: ' p1 ', breakGlass: true });
    expect(variables.from).toBe(new Date(2026, 2, 1, 8, 0).toISOString());
    expect(variables).toMatchObject({ patientId: 'p1', breakGlass: true });
  });
});
