import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeErrorForLog, openDatabase, type BundleView, type EntityManager, type FhirResource, type Logger, type MikroORM } from '@caregraph/platform';
import { BundleError, parseBundleJson, validateBundle, type BundleEntry, type EntryLocation, type ValidatedBundle } from './bundle';
import { defaultOwners, ownerIndex, type ImportOwner } from './owners';
import { emptySummary, mergeSummary, typeRow, type ImportSummary } from './summary';

export interface ImporterOptions {
  databaseUrl: string;
  logger: Logger;
  /** Defaults to every subgraph that has an ingestor (see owners.ts). */
  owners?: ImportOwner[];
  /** Connections per subgraph ORM (default 4: an import uses one per owner at a time). */
  poolMax?: number;
}

/** What the progress hooks see of one bundle. */
export interface BundleProgress {
  /** 1-based position in this run. */
  index: number;
  /** Bundles in this run, when known. */
  total?: number;
  source: string;
  resources: number;
  /** Size of the file, when the bundle came from one. */
  bytes?: number;
}

export interface ImportHooks {
  /** After a bundle was read and validated, before it is written. */
  onBundleStart?(info: BundleProgress): void;
  /** After a bundle was committed. */
  onBundleDone?(info: BundleProgress & { summary: ImportSummary }): void;
}

/** A bundle to import: an already parsed object, or a file to read. */
export type BundleInput = { source: string; bundle: unknown } | { file: string };

export interface Importer {
  /** Validates and imports one parsed bundle, all or nothing. */
  importBundle(bundle: unknown, source: string): Promise<ImportSummary>;
  /** Reads, validates and imports one JSON file, all or nothing. */
  importFile(file: string): Promise<ImportSummary>;
  /**
   * Imports bundles one after another (each all or nothing), stopping at the first that fails;
   * returns the summed summary. Accepts a generator, so large runs never hold every bundle.
   */
  importAll(inputs: Iterable<BundleInput> | AsyncIterable<BundleInput>, hooks?: ImportHooks & { total?: number }): Promise<ImportSummary>;
  /** The ORM opened on one subgraph's schema (e.g. to check whether it has data). */
  orm(schema: string): MikroORM;
  close(): Promise<void>;
}

interface OwnerRuntime {
  owner: ImportOwner;
  orm: MikroORM;
}

/** A message safe to show: database driver errors carry SQL parameters (PHI), so only their kind is kept. */
export function safeErrorMessage(error: unknown): string {
  const described = describeErrorForLog(error);
  if ('sqlState' in described || 'constraint' in described) {
    const detail = [described.sqlState && `SQLSTATE ${described.sqlState}`, described.constraint && `constraint ${described.constraint}`].filter(Boolean).join(', ');
    return `database error ${String(described.type)}${detail ? ` (${detail})` : ''}`;
  }
  if (error instanceof Error) {
    const field = (error as Error & { extensions?: { field?: unknown } }).extensions?.field;
    return `${error.message}${typeof field === 'string' && !error.message.includes(field) ? ` (field ${field})` : ''}`;
  }
  return String(error);
}

const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Opens one ORM per subgraph database (running its migrations) and imports FHIR bundles through
 * the subgraphs' ingestors. ORMs are reused for every bundle of the run; close() releases them.
 */
export async function createImporter(options: ImporterOptions): Promise<Importer> {
  const owners = options.owners ?? defaultOwners();
  const index = ownerIndex(owners);
  const logger = options.logger;

  // One ORM per schema, opened on that subgraph's own definition.
  const orms = new Map<string, MikroORM>();
  try {
    for (const owner of owners) {
      if (orms.has(owner.database.schema)) continue;
      orms.set(owner.database.schema, await openDatabase(owner.database, { databaseUrl: options.databaseUrl, logger, poolMax: options.poolMax ?? 4 }));
    }
  } catch (error) {
    await Promise.allSettled([...orms.values()].map((orm) => orm.close(true)));
    throw error;
  }
  const runtimes: OwnerRuntime[] = owners.map((owner) => ({ owner, orm: orms.get(owner.database.schema)! }));

  const forkOf = (runtime: OwnerRuntime) => runtime.orm.em.fork({ clear: true }) as EntityManager;

  /** Runs one owner's ingest on a subset in a transaction that is always rolled back (diagnostics). */
  async function dryRun(runtime: OwnerRuntime, resources: readonly FhirResource[], view: BundleView): Promise<unknown> {
    const em = forkOf(runtime);
    await em.begin();
    try {
      await runtime.owner.ingestor.ingest(em, resources, view);
      await em.flush();
      return undefined;
    } catch (error) {
      return error ?? new Error('ingest failed');
    } finally {
      await em.rollback().catch(() => undefined);
    }
  }

  /**
   * Which entry made an owner fail, found by dry runs (rolled back) over prefixes of the owner's
   * resources: entry k is blamed when the first k-1 import and the first k fail with the same
   * message. An entry whose id the error message names is tried first; otherwise a bisection
   * finds the smallest failing prefix. Undefined when no single entry explains the failure.
   */
  async function locateFailure(runtime: OwnerRuntime, entries: BundleEntry[], bundle: ValidatedBundle, error: unknown): Promise<EntryLocation | undefined> {
    const located = (entry: BundleEntry): EntryLocation => ({ index: entry.index, fullUrl: entry.fullUrl, resourceType: entry.resource.resourceType });
    const resources = entries.map((entry) => entry.resource);
    const expected = safeErrorMessage(error);
    const failsAt = async (count: number) => {
      const result = await dryRun(runtime, resources.slice(0, count), bundle.view);
      return result ? safeErrorMessage(result) : undefined;
    };
    /** Blames entries[count - 1] if the prefix before it imports and the prefix with it fails the same way. */
    const verified = async (count: number) => count > 0 && (await failsAt(count)) === expected && !(await failsAt(count - 1));

    const message = error instanceof Error ? error.message : String(error);
    const named = new Set((message.match(UUIDS) ?? []).map((id) => id.toLowerCase()));
    const candidate = entries.findIndex((e) => named.has(e.id));
    if (candidate >= 0 && (await verified(candidate + 1))) return located(entries[candidate]);

    let ok = 0;
    let failing = entries.length; // the real run failed with all of them
    while (failing - ok > 1) {
      const middle = Math.floor((ok + failing) / 2);
      if (await failsAt(middle)) failing = middle;
      else ok = middle;
    }
    return (await verified(failing)) ? located(entries[failing - 1]) : undefined;
  }

  async function importValidated(bundle: ValidatedBundle): Promise<ImportSummary> {
    const started = Date.now();
    const summary = emptySummary();
    summary.bundles = 1;
    summary.resources = bundle.entries.length;
    for (const [type, count] of Object.entries(bundle.counts)) {
      const row = typeRow(summary, type);
      row.inBundles += count;
      if (!index.has(type)) {
        row.unhandled += count;
        summary.unhandled[type] = (summary.unhandled[type] ?? 0) + count;
      }
    }

    const work = runtimes
      .map((runtime) => {
        const types = new Set(runtime.owner.ingestor.resourceTypes);
        return { runtime, entries: bundle.entries.filter((entry) => types.has(entry.resource.resourceType)) };
      })
      .filter((item) => item.entries.length > 0);

    const ems: { runtime: OwnerRuntime; em: EntityManager }[] = [];
    let failed: { runtime: OwnerRuntime; entries: BundleEntry[]; error: unknown } | undefined;
    try {
      for (const item of work) {
        const em = forkOf(item.runtime);
        await em.begin();
        ems.push({ runtime: item.runtime, em });
        try {
          const counts = await item.runtime.owner.ingestor.ingest(em, item.entries.map((entry) => entry.resource), bundle.view);
          await em.flush();
          for (const [kind, count] of Object.entries(counts)) {
            const row = typeRow(summary, kind);
            row.created += count.created;
            row.updated += count.updated;
          }
        } catch (error) {
          failed = { ...item, error };
          throw error;
        }
      }
    } catch (error) {
      await Promise.allSettled(ems.map(({ em }) => em.rollback()));
      const subgraph = failed?.runtime.owner.ingestor.subgraph ?? 'importer';
      const location = failed ? await locateFailure(failed.runtime, failed.entries, bundle, failed.error).catch(() => undefined) : undefined;
      logger.warn({ source: bundle.source, subgraph, entry: location?.index, err: describeErrorForLog(error) }, 'bundle rolled back');
      const types = failed ? [...new Set(failed.entries.map((e) => e.resource.resourceType))].join(', ') : '';
      const problem = location
        ? `the ${subgraph} subgraph rejected it: ${safeErrorMessage(error)}; nothing of this bundle was imported`
        : `the ${subgraph} subgraph failed importing ${types}: ${safeErrorMessage(error)}; nothing of this bundle was imported`;
      throw Object.assign(new BundleError(bundle.source, problem, location), { cause: error });
    }

    // Every owner has written its part; commit them all. A commit only fails if the database goes
    // away at this moment; what committed before it stays (upserts make re-running the file safe).
    for (let i = 0; i < ems.length; i++) {
      try {
        await ems[i].em.commit();
      } catch (error) {
        await Promise.allSettled(ems.slice(i + 1).map(({ em }) => em.rollback()));
        const committed = ems.slice(0, i).map(({ runtime }) => runtime.owner.ingestor.subgraph);
        throw Object.assign(
          new BundleError(bundle.source, `commit failed in the ${ems[i].runtime.owner.ingestor.subgraph} subgraph: ${safeErrorMessage(error)}` +
            (committed.length ? ` (already committed: ${committed.join(', ')}; re-import the file)` : '')),
          { cause: error },
        );
      }
    }
    summary.durationMs = Date.now() - started;
    return summary;
  }

  const importBundle = async (bundle: unknown, source: string) => importValidated(validateBundle(bundle, source));

  async function readBundleFile(file: string): Promise<{ bundle: ValidatedBundle; bytes: number }> {
    const source = path.basename(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new BundleError(source, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? safeErrorMessage(error)}`);
    }
    return { bundle: validateBundle(parseBundleJson(text, source), source), bytes: Buffer.byteLength(text) };
  }

  async function importAll(inputs: Iterable<BundleInput> | AsyncIterable<BundleInput>, hooks: ImportHooks & { total?: number } = {}): Promise<ImportSummary> {
    const total = emptySummary();
    let position = 0;
    for await (const input of inputs) {
      position += 1;
      const { bundle, bytes } = 'file' in input
        ? await readBundleFile(input.file)
        : { bundle: validateBundle(input.bundle, input.source), bytes: undefined };
      const info: BundleProgress = { index: position, total: hooks.total, source: bundle.source, resources: bundle.entries.length, bytes };
      hooks.onBundleStart?.(info);
      const summary = await importValidated(bundle);
      mergeSummary(total, summary);
      hooks.onBundleDone?.({ ...info, summary });
    }
    return total;
  }

  return {
    importBundle,
    importFile: async (file) => importValidated((await readBundleFile(file)).bundle),
    importAll,
    orm(schema) {
      const orm = orms.get(schema);
      if (!orm) throw new Error(`No importer database for schema ${schema}`);
      return orm;
    },
    close: async () => {
      await Promise.allSettled([...orms.values()].map((orm) => orm.close(true)));
    },
  };
}

/** Sizes of files (for ETA by bytes); missing files are reported by the import itself. */
export async function fileSizes(files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map(async (file) => (await stat(file).catch(() => undefined))?.size ?? 0));
}
