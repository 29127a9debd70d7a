import { Pool } from 'pg';
import type { Principal } from '../context';
import { PatientAccessGate } from './patient-access-gate';
import { DENIED, type AccessDecision, type AccessPolicyFunction } from './policy';

/*
 * readIfAllowed: the read runs beside the policy's decision, and nothing it reads leaves unless the
 * decision allows it. The policy here is a plain function of the gate's policy interface (the real
 * policies are tested in the patients subgraph); the audit executor is never reached, because no
 * test flushes.
 */
describe('PatientAccessGate.readIfAllowed', () => {
  const patientId = '2f1f0c6e-8a43-4a53-9d67-3a8f0a1c2b3d';
  const physician: Principal = { kind: 'user', userId: 'u-1', role: 'physician', organizationId: 'org-1', patientId: null, sessionId: 's-1' };
  const unusedAuditDatabase = new Pool({ connectionString: 'postgres://audit.invalid/never-used' });
  afterAll(() => unusedAuditDatabase.end());

  /** A policy that answers `allowed` for every patient once `release` is called, noting what was started by then. */
  const heldPolicy = (allowed: boolean) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    const policy: AccessPolicyFunction = async (_principal, ids) => {
      await released;
      return new Map<string, AccessDecision>(ids.map((id) => [id, allowed ? { allowed: true, basis: 'registration' } : DENIED]));
    };
    return { policy, release };
  };
  const gateWith = (policy: AccessPolicyFunction, principal: Principal = physician) =>
    new PatientAccessGate(principal, policy, { service: 'test', requestId: 'r-1', executor: unusedAuditDatabase });

  it('starts the read before the decision arrives, and returns what it read once the decision allows it', async () => {
    const { policy, release } = heldPolicy(true);
    const gate = gateWith(policy);
    let readStarted = false;
    const result = gate.readIfAllowed(patientId, 'clinical', 'Observation', async () => {
      readStarted = true;
      return ['row'];
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(readStarted).toBe(true); // while the policy still holds its answer
    release();
    await expect(result).resolves.toEqual(['row']);
    expect(gate.audit.deniedNoted).toBe(false);
  });

  it('answers a refusal with null as soon as the decision arrives, without waiting for the read, and audits the refusal', async () => {
    const { policy, release } = heldPolicy(false);
    const gate = gateWith(policy);
    const neverSettles = new Promise<string[]>(() => undefined);
    const result = gate.readIfAllowed(patientId, 'clinical', 'Observation', () => neverSettles);
    release();
    await expect(result).resolves.toBeNull();
    expect(gate.audit.deniedNoted).toBe(true);
  });

  it('drops the error of a read that fails for a refused caller, and passes it on for an allowed one', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const refused = heldPolicy(false);
      const refusedResult = gateWith(refused.policy).readIfAllowed(patientId, 'clinical', 'Observation', () => Promise.reject(new Error('boom')));
      refused.release();
      await expect(refusedResult).resolves.toBeNull();

      const allowed = heldPolicy(true);
      const allowedResult = gateWith(allowed.policy).readIfAllowed(patientId, 'clinical', 'Observation', () => Promise.reject(new Error('boom')));
      allowed.release();
      await expect(allowedResult).rejects.toThrow('boom');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('reads nothing for an anonymous caller', async () => {
    const read = jest.fn(async () => ['row']);
    await expect(gateWith(heldPolicy(true).policy, { kind: 'anonymous' }).readIfAllowed(patientId, 'clinical', 'Observation', read))
      .rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(read).not.toHaveBeenCalled();
  });
});

/*
 * decideSoon: a subgraph resolving Patient references asks the policy in the next microtask, all
 * the references of one synchronous run in one call, and every later decision on them is that answer.
 */
describe('PatientAccessGate.decideSoon', () => {
  const patients = ['2f1f0c6e-8a43-4a53-9d67-3a8f0a1c2b3d', '7b3e5d2a-1c4f-4e8b-9a6d-0f2e4c6a8b1d'];
  const physician: Principal = { kind: 'user', userId: 'u-1', role: 'physician', organizationId: 'org-1', patientId: null, sessionId: 's-1' };
  const unusedAuditDatabase = new Pool({ connectionString: 'postgres://audit.invalid/never-used' });
  afterAll(() => unusedAuditDatabase.end());

  /** A policy allowing the first patient only, recording each call's patients and category. */
  const recordingPolicy = () => {
    const calls: { ids: string[]; category: string; intent: string | undefined }[] = [];
    const policy: AccessPolicyFunction = async (_principal, ids, category, intent) => {
      calls.push({ ids: [...ids], category, intent });
      return new Map<string, AccessDecision>(ids.map((id) => [id, id === patients[0] ? { allowed: true, basis: 'registration' } : DENIED]));
    };
    return { policy, calls };
  };
  const gateWith = (policy: AccessPolicyFunction, principal: Principal = physician) =>
    new PatientAccessGate(principal, policy, { service: 'test', requestId: 'r-1', executor: unusedAuditDatabase });

  it('asks once for the patients of one run, in the next microtask, and later decisions are that answer', async () => {
    const { policy, calls } = recordingPolicy();
    const gate = gateWith(policy);
    gate.decideSoon(patients[0].toUpperCase(), 'clinical');
    gate.decideSoon(patients[1], 'clinical');
    gate.decideSoon(patients[0], 'clinical'); // asked already: not again
    expect(calls).toHaveLength(0);
    await Promise.resolve();
    // a batched decision() would still wait for the end of the tick (DataLoader); this call is out
    expect(calls).toEqual([{ ids: patients, category: 'clinical', intent: 'read' }]);

    await expect(gate.decision(patients[0], 'clinical')).resolves.toEqual({ allowed: true, basis: 'registration' });
    await expect(gate.decision(patients[1], 'clinical')).resolves.toEqual(DENIED);
    await expect(gate.readIfAllowed(patients[1], 'clinical', 'Encounter', async () => ['row'])).resolves.toBeNull();
    expect(calls).toHaveLength(1);
    // the early answer counts as decided: reads of the allowed patient may be noted for the audit
    expect(() => gate.noteRead(patients[0], 'clinical', 'Encounter', 3)).not.toThrow();
  });

  it('leaves other categories and writes to their own decisions', async () => {
    const { policy, calls } = recordingPolicy();
    const gate = gateWith(policy);
    gate.decideSoon(patients[0], 'clinical');
    await gate.decision(patients[0], 'billing');
    await gate.decision(patients[0], 'clinical', 'write');
    expect(calls.map(({ category, intent }) => `${category}:${intent}`).sort()).toEqual(['billing:read', 'clinical:read', 'clinical:write']);
  });

  it("passes the policy's failure on to the reads that ask, and to nobody else", async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const gate = gateWith(async () => { throw new Error('access policy unavailable: status 503'); });
      gate.decideSoon(patients[0], 'clinical');
      gate.decideSoon(patients[1], 'clinical');
      await expect(gate.decision(patients[0], 'clinical')).rejects.toThrow('access policy unavailable');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled(); // patients[1] was never asked for
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('asks nothing for an anonymous caller', async () => {
    const { policy, calls } = recordingPolicy();
    gateWith(policy, { kind: 'anonymous' }).decideSoon(patients[0], 'clinical');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(0);
  });
});
