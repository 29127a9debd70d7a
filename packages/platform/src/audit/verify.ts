import { createHash } from 'node:crypto';
import { canonicalRowSql, GENESIS_HASH_HEX } from './schema';
import { withSql, type AuditTarget } from './sql';

export type AuditChainProblem =
  /** The row's fields no longer hash to its stored hash: the row was altered. */
  | 'hash_mismatch'
  /** prev_hash is not the previous row's hash: a row before it was altered, removed or inserted. */
  | 'broken_link'
  /** Ids are not consecutive (or do not start at 1): rows were removed. */
  | 'gap'
  /** The row given as anchor is missing or has another hash: rows at the end were removed or rewritten. */
  | 'anchor_mismatch'
  /** There is no audit.event table. */
  | 'missing';

export type AuditChainReport =
  | { ok: true; rows: number; head: { id: string; hash: string } | null }
  | { ok: false; rows: number; brokenId: string | null; problem: AuditChainProblem; message: string };

export interface VerifyOptions {
  /** Rows per page (keyset on id); only one page is in memory at a time. */
  pageSize?: number;
  /** A head recorded earlier (id and hex hash): the chain must still contain it unchanged. */
  anchor?: { id: string; hash: string };
}

interface ChainRow {
  id: string;
  prev_hash: string;
  hash: string;
  canonical: string;
}

/**
 * Walks audit.event in id order, page by page, recomputing every hash in Node (sha256 of prev_hash
 * || utf8 canonical text, the canonical text printed by the same SQL expression the trigger uses)
 * and checking ids are consecutive from 1 and each prev_hash is the previous row's hash. Reports
 * the first broken row. Read-only.
 */
export async function verifyAuditChain(target: AuditTarget, options: VerifyOptions = {}): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 1000;
  return withSql(target, async (sql) => {
    const [table] = await sql.query<{ exists: boolean }>(`select to_regclass('audit.event') is not null as exists`);
    if (!table?.exists) return { ok: false, rows: 0, brokenId: null, problem: 'missing', message: 'there is no audit.event table' };

    let rows = 0;
    let previous: { id: bigint; hash: string } = { id: 0n, hash: GENESIS_HASH_HEX };
    let anchorSeen = false;
    const broken = (id: bigint, problem: AuditChainProblem, message: string): AuditChainReport => ({
      ok: false, rows, brokenId: id.toString(), problem, message,
    });
    for (;;) {
      const page = await sql.query<ChainRow>(
        `select e.id::text as id, encode(e.prev_hash, 'hex') as prev_hash, encode(e.hash, 'hex') as hash,
                ${canonicalRowSql('e')} as canonical
         from audit.event e where e.id > $1::bigint order by e.id limit ${pageSize}`,
        [previous.id.toString()],
      );
      for (const row of page) {
        const id = BigInt(row.id);
        if (id !== previous.id + 1n) {
          const missing = id - 1n === previous.id + 1n ? `row ${previous.id + 1n} is` : `rows ${previous.id + 1n}-${id - 1n} are`;
          return broken(id, 'gap', `${missing} missing before row ${id} (removed)`);
        }
        const recomputed = createHash('sha256')
          .update(Buffer.from(row.prev_hash, 'hex'))
          .update(Buffer.from(row.canonical, 'utf8'))
          .digest('hex');
        if (recomputed !== row.hash) return broken(id, 'hash_mismatch', `row ${id} does not match its hash (altered)`);
        if (row.prev_hash !== previous.hash) {
          return broken(id, 'broken_link', `row ${id} does not link to row ${previous.id}'s hash (a row before it was altered, removed or inserted)`);
        }
        if (options.anchor && row.id === options.anchor.id) {
          if (row.hash !== options.anchor.hash.toLowerCase()) return broken(id, 'anchor_mismatch', `row ${id} differs from the recorded head`);
          anchorSeen = true;
        }
        previous = { id, hash: row.hash };
        rows += 1;
      }
      if (page.length < pageSize) break;
    }
    if (options.anchor && !anchorSeen) {
      return { ok: false, rows, brokenId: options.anchor.id, problem: 'anchor_mismatch', message: `recorded head row ${options.anchor.id} is missing (rows removed from the end)` };
    }
    return { ok: true, rows, head: rows ? { id: previous.id.toString(), hash: previous.hash } : null };
  });
}
