/** Per resource type (or derived record kind) totals of an import. */
export interface TypeSummary {
  /** Resources of this type in the bundles (0 for records an owner derives, e.g. registrations). */
  inBundles: number;
  created: number;
  updated: number;
  /** Resources of this type no subgraph owns yet: counted, never silently dropped. */
  unhandled: number;
}

export interface ImportSummary {
  bundles: number;
  resources: number;
  types: Record<string, TypeSummary>;
  /** resourceType → count, for the types nobody owns (same numbers as types[t].unhandled). */
  unhandled: Record<string, number>;
  durationMs: number;
}

export function emptySummary(): ImportSummary {
  return { bundles: 0, resources: 0, types: {}, unhandled: {}, durationMs: 0 };
}

export function typeRow(summary: ImportSummary, type: string): TypeSummary {
  return (summary.types[type] ??= { inBundles: 0, created: 0, updated: 0, unhandled: 0 });
}

/** Adds one summary (e.g. a bundle's) into a running total. */
export function mergeSummary(total: ImportSummary, part: ImportSummary): ImportSummary {
  total.bundles += part.bundles;
  total.resources += part.resources;
  total.durationMs += part.durationMs;
  for (const [type, row] of Object.entries(part.types)) {
    const into = typeRow(total, type);
    into.inBundles += row.inBundles;
    into.created += row.created;
    into.updated += row.updated;
    into.unhandled += row.unhandled;
  }
  for (const [type, count] of Object.entries(part.unhandled)) total.unhandled[type] = (total.unhandled[type] ?? 0) + count;
  return total;
}

/** Totals of created/updated over all types. */
export function writtenTotals(summary: ImportSummary): { created: number; updated: number; unhandled: number } {
  let created = 0;
  let updated = 0;
  let unhandled = 0;
  for (const row of Object.values(summary.types)) {
    created += row.created;
    updated += row.updated;
    unhandled += row.unhandled;
  }
  return { created, updated, unhandled };
}

/** A plain-text table: handled types first (by name), then derived kinds, then unhandled types. */
export function formatSummary(summary: ImportSummary): string {
  const rows = Object.entries(summary.types).sort(([a, x], [b, y]) => {
    const rank = (row: TypeSummary) => (row.unhandled > 0 ? 2 : row.inBundles === 0 ? 1 : 0);
    return rank(x) - rank(y) || a.localeCompare(b);
  });
  const header = ['type', 'in bundles', 'created', 'updated', 'unhandled'];
  const body = rows.map(([type, row]) => [type, String(row.inBundles), String(row.created), String(row.updated), row.unhandled ? String(row.unhandled) : '-']);
  const totals = writtenTotals(summary);
  const footer = ['total', String(summary.resources), String(totals.created), String(totals.updated), String(totals.unhandled)];
  const table = [header, ...body, footer];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const unowned = Object.keys(summary.unhandled).sort();
  return [
    line(header), rule, ...body.map(line), rule, line(footer),
    `${summary.bundles} bundle(s), ${summary.resources} resources in ${(summary.durationMs / 1000).toFixed(1)} s`,
    ...(unowned.length ? [`not imported (no subgraph owns them yet): ${unowned.join(', ')}`] : []),
  ].join('\n');
}
