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
