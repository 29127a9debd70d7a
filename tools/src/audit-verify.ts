/**
 * `npm run audit:verify [-- --anchor <id>:<hash>]`: checks that the audit log's hash chain is
 * intact. Uses DATABASE_URL, else the embedded cluster of `npm start` (started for the run if it
 * is not running). Exit 0 with a one-line summary when intact, 1 naming the first broken row.
 */
import { createLogger, verifyAuditChain, type AuditChainReport } from '@caregraph/platform';
import { withToolDatabase } from './import/database';

const USAGE = `usage: npm run audit:verify [-- --anchor <id>:<hash>]

Recomputes every hash of the audit log (audit.event) in order and reports the first row that was
altered, removed or inserted. --anchor checks that a head printed by an earlier run is still there
unchanged (which detects rows removed from the end). DATABASE_URL selects the database (default:
the embedded cluster of npm start).`;

function parseAnchor(argv: string[]): { id: string; hash: string } | undefined | Error {
  const index = argv.indexOf('--anchor');
  if (index === -1) return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(argv[index + 1] ?? '');
  return match ? { id: match[1], hash: match[2].toLowerCase() } : new Error('--anchor needs <id>:<64 hex digits>');
}

export function formatReport(report: AuditChainReport): string {
  if (report.ok) {
    return report.head
      ? `audit log intact: ${report.rows} event(s), head ${report.head.id}:${report.head.hash}`
      : 'audit log intact: no events yet';
  }
  const where = report.brokenId ? ` at row ${report.brokenId}` : '';
  return `audit log BROKEN${where} (${report.problem}): ${report.message}; ${report.rows} row(s) before it verified`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const anchor = parseAnchor(argv);
  if (anchor instanceof Error) {
    process.stderr.write(`${anchor.message}\n${USAGE}\n`);
    return 2;
  }
  const logger = createLogger('audit-verify', process.env.LOG_LEVEL ?? 'warn');
  const report = await withToolDatabase(logger, (databaseUrl) => verifyAuditChain(databaseUrl, { anchor }));
  const line = formatReport(report);
  if (report.ok) process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
