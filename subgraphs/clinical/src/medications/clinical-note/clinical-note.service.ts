import {
  badInput, CLINICIAN_ROLES, conflict, forbidden, notFound, perRequest, requireStaff, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import { LockMode } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { listChartRecords, type ChartListArgs } from '../../chart/chart-list';
import { recordById } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { ClinicalNote, ClinicalNoteVersion } from './clinical-note.entity';
import type { UpdateClinicalNoteInput, WriteClinicalNoteInput } from './clinical-note.inputs';

/** A title as stored: trimmed, not blank. */
function titleOf(title: string): string {
  const trimmed = title.trim();
  if (!trimmed) throw badInput('title', 'title must not be blank');
  return trimmed;
}

/** A text as stored: as written, not blank. */
function textOf(text: string): string {
  if (!text.trim()) throw badInput('text', 'text must not be blank');
  return text;
}

/** Clinical notes written in caregraph, versioned. */
export class ClinicalNoteService {
  static of(ctx: RequestContext): ClinicalNoteService {
    return perRequest(ctx, ClinicalNoteService, () => new ClinicalNoteService(ctx));
  }

  /** Batches note lookups (`clinicalNote(id)`, `_entities`); hidden and unknown ones are null. */
  get loader(): DataLoader<string, ClinicalNote | null> {
    return recordById(this.ctx, ClinicalNote, 'ClinicalNote');
  }

  /**
   * Versions of notes, newest first, one query per tick. Only reached through a note the caller
   * was allowed to see (by id, in a list or as a mutation's result): no check of its own.
   */
  private readonly versions = new DataLoader<string, ClinicalNoteVersion[]>(async (noteIds) => {
    const rows = await this.ctx.em.find(ClinicalNoteVersion, { note: { $in: [...noteIds] } }, { orderBy: { version: 'desc' } });
    return noteIds.map((noteId) => rows.filter((row) => row.note.id === noteId));
  });

  private constructor(private readonly ctx: RequestContext) {}

  /** A patient's notes, newest first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: ChartListArgs, selection: ListSelection): Promise<Connection<ClinicalNote> | null> {
    return listChartRecords(this.ctx, {
      entity: ClinicalNote,
      recordType: 'ClinicalNote',
      patientId,
      args,
      dateField: 'createdAt',
      selection,
    });
  }

  versionsOf(note: ClinicalNote): Promise<ClinicalNoteVersion[]> {
    return this.versions.load(note.id);
  }

  /** A clinician writes a note on a chart they may see, for their organization; version 1 is kept as the first version row. */
  async write(input: WriteClinicalNoteInput): Promise<ClinicalNote> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'write clinical notes');
    const patientId = input.patientId.toLowerCase();
    const title = titleOf(input.title);
    const text = textOf(input.text);
    await this.ctx.access.requireWrite(patientId, 'clinical', 'ClinicalNote', 'patientId', () => true);
    let encounterId: string | null = null;
    if (input.encounterId) {
      const encounter = await (this.ctx as ClinicalContext).loaders.encounter.load(input.encounterId);
      // another patient's encounter answers like a missing one
      if (!encounter || encounter.patientId !== patientId) throw notFound('Encounter', 'encounterId');
      encounterId = encounter.id;
    }
    const now = new Date();
    const note = this.ctx.em.create(ClinicalNote, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      authorUserId: clinician.userId,
      // the author's practitioner record arrives when accounts link to practitioners
      authorPractitionerId: null,
      title,
      text,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    this.ctx.em.create(ClinicalNoteVersion, { note, version: 1, title, text, authorUserId: clinician.userId, createdAt: now });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'ClinicalNote', { operation: 'create', noteId: note.id });
    return note;
  }

  /**
   * The author edits their note. The note row is locked (`select ... for update`) and its version
   * compared with `expectedVersion` inside the transaction that saves the edit and its version
   * row, so concurrent edits are serialized: of two based on the same version, the second sees
   * the first's version and gets CONFLICT with the current version.
   */
  async update(input: UpdateClinicalNoteInput): Promise<ClinicalNote> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'edit clinical notes');
    const title = input.title != null ? titleOf(input.title) : undefined;
    const text = input.text != null ? textOf(input.text) : undefined;
    if (title === undefined && text === undefined) throw badInput('text', 'give a new title or text');

    const note = await this.loader.load(input.id);
    if (!note) throw notFound('ClinicalNote', 'id');
    await this.ctx.access.requireWrite(note.patientId, 'clinical', 'ClinicalNote', 'id', () => true);
    if (note.authorUserId !== clinician.userId) throw forbidden('Only the author of a clinical note may edit it', 'id');

    const em = this.ctx.em;
    await em.begin();
    try {
      const current = await em.findOneOrFail(ClinicalNote, { id: note.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (current.version !== input.expectedVersion) {
        throw conflict('The note was changed since that version: reload it and edit the current version', { field: 'expectedVersion', currentVersion: current.version });
      }
      if (title !== undefined) current.title = title;
      if (text !== undefined) current.text = text;
      current.version += 1;
      current.updatedAt = new Date();
      em.create(ClinicalNoteVersion, {
        note: current, version: current.version, title: current.title, text: current.text, authorUserId: clinician.userId, createdAt: current.updatedAt,
      });
      await em.flush();
      await this.ctx.access.recordWrite(em, current.patientId, 'clinical', 'ClinicalNote', { operation: 'update', noteId: current.id, version: current.version });
      await em.commit();
      this.versions.clear(current.id);
      return current;
    } catch (error) {
      await em.rollback();
      throw error;
    }
  }
}
