import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../context';
import { forbidden, notFound, unauthenticated } from '../errors/errors';
import { isEntityManager, type AuditExecutor } from '../audit/sql';
import { AuditLog, type AuditEvent } from '../audit/writer';
import type { AuditBatcher } from '../audit/batcher';
import {
  DENIED, MAX_ACCESS_BATCH, MAX_ACCESS_SUBJECTS, decideForSubjects, purposeOf,
  type AccessCategory, type AccessDecision, type AccessIntent, type AccessPolicyFunction, type AccessSubject,
} from './policy';

/**
 * The access policy for one request, where a subgraph loads patient data. Every service asks it
 * before returning a patient's records and tells it what it returned; the gate writes one audit
 * row per patient (reads, with the record types) and one per refused patient when the request ends.
 *
 * Decisions are batched per category (DataLoader: all the patients one GraphQL request touches in
 * a tick become one policy call) and remembered for this request only, so a revoked consent
 * counts from the very next request. A record the caller may not see answers exactly like one
 * that does not exist.
 */
export class PatientAccessGate {
  private readonly loaders = new Map<string, DataLoader<string, AccessDecision>>();
  readonly audit: AuditLog;

  constructor(
    readonly principal: Principal,
    private readonly policy: AccessPolicyFunction,
    options: { service: string; requestId: string; executor: AuditExecutor; batcher?: AuditBatcher },
  ) {
    this.audit = new AuditLog(options.executor, { service: options.service, requestId: options.requestId, actor: principal, purpose: purposeOf(principal, null) }, options.batcher);
  }

  /** The decision for one patient (batched with every other asked in the same tick). */
  decision(patientId: string, category: AccessCategory, intent: AccessIntent = 'read'): Promise<AccessDecision> {
    if (this.principal.kind === 'anonymous') return Promise.reject(unauthenticated());
    const id = patientId.toLowerCase();
    return (intent === 'read' ? this.early.get(category)?.get(id) : undefined) ?? this.loader(category, intent).load(id);
  }

  /**
   * Asks the policy about reading `category` of `patientId` right away, for a request known to
   * need it: a subgraph resolving a Patient reference, whose patient fields are all `category`.
   * A batched `decision` goes out at the end of the tick, when every list of the query has
   * written its SQL, so its round trip would start behind them and the lists would wait for it;
   * asked here, it goes out first. Patients asked in one synchronous run (an `_entities` call's
   * references) share one policy call; later `decision` calls get its answer.
   */
  decideSoon(patientId: string, category: AccessCategory): void {
    if (this.principal.kind === 'anonymous') return;
    const id = patientId.toLowerCase();
    const early = this.early.get(category) ?? new Map<string, Promise<AccessDecision>>();
    this.early.set(category, early);
    if (early.has(id)) return;
    let pending = this.soon.get(category);
    if (!pending) {
      const batch = new Map<string, (outcome: AccessDecision | Error) => void>();
      pending = batch;
      this.soon.set(category, batch);
      queueMicrotask(() => {
        this.soon.delete(category);
        const ids = [...batch.keys()];
        for (let start = 0; start < ids.length; start += MAX_ACCESS_BATCH) {
          const chunk = ids.slice(start, start + MAX_ACCESS_BATCH);
          this.policy(this.principal, chunk, category, 'read').then(
            (decisions) => chunk.forEach((patient) => batch.get(patient)!(decisions.get(patient) ?? DENIED)),
            (error: Error) => chunk.forEach((patient) => batch.get(patient)!(error)),
          );
        }
      });
    }
    const decided = new Promise<AccessDecision>((resolve, reject) => {
      pending.set(id, (outcome) => {
        if (outcome instanceof Error) return reject(outcome);
        this.settledFor(category, 'read').set(id, outcome);
        resolve(outcome);
      });
    });
    decided.catch(() => undefined); // the reads that ask for it get the error; unasked, it is dropped
    early.set(id, decided);
  }

  /**
   * Whether each of `subjects` (other staff: a thread's participants, the clinicians a comment
   * mentions) may read `category` of one patient, asked as the caller: a patient the caller may not
   * read is refused for every subject. By subject userId. Not audited: no record is returned.
   */
  async decisionsFor(subjects: readonly AccessSubject[], patientId: string, category: AccessCategory): Promise<Map<string, AccessDecision>> {
    if (this.principal.kind === 'anonymous') throw unauthenticated();
    const id = patientId.toLowerCase();
    const ask = this.policy.forSubjects ?? ((batch, ids, c) => decideForSubjects(this.policy, this.principal, batch, ids, c));
    const result = new Map<string, AccessDecision>();
    for (let start = 0; start < subjects.length; start += MAX_ACCESS_SUBJECTS) {
      const batch = subjects.slice(start, start + MAX_ACCESS_SUBJECTS);
      const decided = await ask(batch, [id], category);
      for (const subject of batch) result.set(subject.userId, decided.get(subject.userId)?.get(id) ?? DENIED);
    }
    return result;
  }

  /**
   * For one patient's records (a list on Patient, a mutation's target): whether the caller may
   * see them. A refusal is audited against `recordType`.
   */
  async check(patientId: string, category: AccessCategory, recordType: string): Promise<boolean> {
    const decision = await this.decision(patientId, category);
    if (!decision.allowed) this.audit.noteDenied(patientId.toLowerCase(), recordType);
    return decision.allowed;
  }

  /**
   * `read()` of one patient's records, or null when the caller may not see them (a refusal is
   * audited against `recordType`). The read starts beside the policy's decision instead of after
   * it, so a chart's lists do not wait for the policy's round trip before their SQL: nothing read
   * leaves this method unless the decision allows it, and a refusal answers as soon as the
   * decision arrives, without waiting for the read (its time tells nothing about the records; its
   * result and any error are dropped). `read` must not write.
   */
  async readIfAllowed<T>(patientId: string, category: AccessCategory, recordType: string, read: () => Promise<T>): Promise<T | null> {
    if (this.principal.kind === 'anonymous') throw unauthenticated(); // nobody to decide for: nothing is read
    const decided = this.check(patientId, category, recordType);
    const reading = read();
    reading.catch(() => undefined); // dropped on a refusal; on an allowance awaited below
    if (!(await decided)) return null;
    return reading;
  }

  /**
   * Records loaded by id (a query by id, `_entities`): those the caller may not see become null,
   * exactly like ids that do not exist. Reads and refusals are audited.
   */
  async visible<T>(records: readonly (T | null)[], category: AccessCategory, recordType: string, patientIdOf: (record: T) => string): Promise<(T | null)[]> {
    const decisions = await Promise.all(records.map((record) => (record ? this.decision(patientIdOf(record), category) : DENIED)));
    return records.map((record, index) => {
      if (!record) return null;
      const patientId = patientIdOf(record).toLowerCase();
      if (!decisions[index].allowed) {
        this.audit.noteDenied(patientId, recordType);
        return null;
      }
      this.noteRead(patientId, category, recordType, 1);
      return record;
    });
  }

  /**
   * Notes `count` records of `recordType` of `patientId` returned to the caller. The patient must
   * have been decided allowed for `category` in this request: a read under break-glass is
   * flagged as such for the compliance officer and the patient.
   */
  noteRead(patientId: string, category: AccessCategory, recordType: string, count = 1): void {
    const id = patientId.toLowerCase();
    const decision = this.knownDecision(id, category);
    if (!decision?.allowed) throw new Error('PatientAccessGate.noteRead: the patient was not decided allowed in this request');
    this.audit.noteRead(id, recordType, count, { breakGlass: decision.basis === 'break-glass', purpose: purposeOf(this.principal, decision.basis) });
  }

  /**
   * For a write on a patient's record: resolves when the policy opens the patient's `category` to
   * the caller for writing (people: when they may see it; partner apps: by their write scopes) and
   * `mayWrite` agrees; otherwise NOT_FOUND on `field` when the patient is hidden from them (no
   * existence leak), FORBIDDEN when open but the write is not theirs to make.
   */
  async requireWrite(patientId: string, category: AccessCategory, recordType: string, field: string, mayWrite: (decision: AccessDecision) => boolean): Promise<AccessDecision> {
    const decision = await this.decision(patientId, category, 'write');
    if (!decision.allowed) {
      this.audit.noteDenied(patientId.toLowerCase(), recordType);
      throw notFound('Patient', field);
    }
    if (!mayWrite(decision)) {
      this.audit.noteDenied(patientId.toLowerCase(), recordType);
      throw forbidden(`Not allowed to change ${recordType} records`);
    }
    return decision;
  }

  /**
   * Writes the audit row of a change now, inside the caller's transaction (`executor` = its em),
   * after the steps added with afterWrite.
   */
  async recordWrite(executor: AuditExecutor, patientId: string | null, category: AccessCategory, recordType: string, detail: AuditEvent['detail'] = {}): Promise<void> {
    if (this.writeSteps.length) {
      if (!isEntityManager(executor)) throw new Error('PatientAccessGate.recordWrite: afterWrite steps need the EntityManager of the write');
      for (const step of this.writeSteps) await step(executor, { patientId, category, recordType });
    }
    const id = patientId?.toLowerCase();
    const decision = id ? (this.knownDecision(id, category, 'write') ?? this.knownDecision(id, category)) : undefined;
    await this.audit.record({
      action: 'write',
      outcome: 'success',
      patientId: patientId?.toLowerCase() ?? null,
      recordTypes: [recordType],
      breakGlass: decision?.basis === 'break-glass' || undefined,
      purpose: purposeOf(this.principal, decision?.basis ?? null),
      detail,
    }, executor);
  }

  /**
   * Flushes the request's pending changes and writes their audit row in one transaction: no
   * change without its audit row, no audit row for a change that did not happen.
   */
  async flushAudited(em: EntityManager, patientId: string | null, category: AccessCategory, recordType: string, detail: AuditEvent['detail'] = {}): Promise<void> {
    await em.begin();
    try {
      await em.flush();
      await this.recordWrite(em, patientId, category, recordType, detail);
      await em.commit();
    } catch (error) {
      await em.rollback();
      throw error;
    }
  }

  private readonly writeSteps: WriteStep[] = [];

  /**
   * Adds a step every audited write of this request runs (recordWrite, flushAudited) after its
   * flush, inside its transaction: data a subgraph derives from what was written (e.g. clinical
   * care gaps) commits with it or not at all.
   */
  afterWrite(step: WriteStep): void {
    this.writeSteps.push(step);
  }

  /** Writes what this request read and was refused (called once, when the response is ready). */
  flush(): Promise<string[]> {
    return this.audit.flush();
  }

  /** Decisions already made in this request, by category and intent (what noteRead and recordWrite rely on). */
  private readonly settled = new Map<string, Map<string, AccessDecision>>();

  private knownDecision(patientId: string, category: AccessCategory, intent: AccessIntent = 'read'): AccessDecision | undefined {
    return this.settled.get(`${category}:${intent}`)?.get(patientId);
  }

  private settledFor(category: AccessCategory, intent: AccessIntent): Map<string, AccessDecision> {
    const key = `${category}:${intent}`;
    const settled = this.settled.get(key) ?? new Map<string, AccessDecision>();
    this.settled.set(key, settled);
    return settled;
  }

  /** Read decisions asked with decideSoon, by category and patient. */
  private readonly early = new Map<AccessCategory, Map<string, Promise<AccessDecision>>>();
  /** decideSoon's batch not yet sent, by category: each patient with what settles its decision. */
  private readonly soon = new Map<AccessCategory, Map<string, (outcome: AccessDecision | Error) => void>>();

  private loader(category: AccessCategory, intent: AccessIntent): DataLoader<string, AccessDecision> {
    const key = `${category}:${intent}`;
    let loader = this.loaders.get(key);
    if (!loader) {
      const settled = this.settledFor(category, intent);
      loader = new DataLoader<string, AccessDecision>(
        async (ids) => {
          const decisions = await this.policy(this.principal, ids, category, intent);
          return ids.map((id) => {
            const decision = decisions.get(id) ?? DENIED;
            settled.set(id, decision);
            return decision;
          });
        },
        { maxBatchSize: MAX_ACCESS_BATCH },
      );
      this.loaders.set(key, loader);
    }
    return loader;
  }
}

/** Derived-data upkeep run inside an audited write's transaction (see PatientAccessGate.afterWrite). */
export type WriteStep = (em: EntityManager, write: { patientId: string | null; category: AccessCategory; recordType: string }) => Promise<void>;

/** A policy that refuses to be asked: for services without patient data, and jobs that need none. */
export const NO_ACCESS_POLICY: AccessPolicyFunction = () => Promise.reject(new Error('access policy unavailable: none configured for this service'));
