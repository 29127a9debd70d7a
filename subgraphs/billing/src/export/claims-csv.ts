import { ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import { formatMinorUnits } from '../money/money';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
 * doubled. Text from outside (payer names, denial reasons) that a spreadsheet would run as a
 * formula (= + - @ tab CR first) gets a leading apostrophe: a file exported from here must not
 * execute anything when opened. Numbers are written as they are (a negative amount stays one).
 */
export function csvField(value: string | null, options: { text?: boolean } = {}): string {
  if (value === null) return '';
  const safe = options.text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The columns a claims export reads (alias c), every one as text: dates and amounts never pass through JS numbers or zones. */
export const EXPORT_SELECT = [
  'c."id"::text as "id"', 'c."patient_id"::text as "patient_id"', 'c."status"', 'c."outcome"', 'c."type_code"', 'c."service_date"::text as "service_date"',
  ...['billable_period_start', 'billable_period_end', 'submitted_at', 'adjudicated_at', 'closed_at']
    .map((column) => `to_char(c."${column}" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "${column}"`),
  'c."payer_id"::text as "payer_id"', `coalesce(c."currency", 'USD') as "currency"`,
  ...['total', 'allowed', 'payer_amount', 'patient_responsibility', 'payer_outstanding', 'patient_outstanding', 'outstanding']
    .map((amount) => `c."${amount}_minor_units"::text as "${amount}"`),
  '(c."payer_paid_minor_units" + c."patient_paid_minor_units")::text as "paid"',
  'c."denial_reason_code"', 'c."denial_reason_display"',
].join(', ');

export type ExportRow = Record<
  'id' | 'patient_id' | 'status' | 'type_code' | 'service_date' | 'currency' | 'payer_outstanding' | 'patient_outstanding' | 'outstanding' | 'paid',
  string
> & Record<
  'outcome' | 'billable_period_start' | 'billable_period_end' | 'submitted_at' | 'adjudicated_at' | 'closed_at' | 'payer_id'
  | 'total' | 'allowed' | 'payer_amount' | 'patient_responsibility' | 'denial_reason_code' | 'denial_reason_display',
  string | null
>;

const STATUS_NAMES = new Map(Object.entries(ClaimStatus).map(([name, value]) => [value as string, name]));
const OUTCOME_NAMES = new Map(Object.entries(ClaimOutcome).map(([name, value]) => [value as string, name]));

/** The export's columns: header and how each is written from a row (statuses and outcomes as the GraphQL API names them). */
const COLUMNS: [string, (row: ExportRow, payerName: (id: string | null) => string | null) => string][] = [
  ['claim_id', (row) => row.id],
  ['patient_id', (row) => row.patient_id],
  ['status', (row) => STATUS_NAMES.get(row.status) ?? row.status],
  ['outcome', (row) => csvField(row.outcome && (OUTCOME_NAMES.get(row.outcome) ?? row.outcome))],
  ['type', (row) => csvField(row.type_code, { text: true })],
  ['service_date', (row) => row.service_date],
  ...(['billable_period_start', 'billable_period_end', 'submitted_at', 'adjudicated_at', 'closed_at'] as const).map(
    (column): (typeof COLUMNS)[number] => [column, (row) => csvField(row[column])],
  ),
  ['payer_id', (row) => csvField(row.payer_id)],
  ['payer_name', (row, payerName) => csvField(payerName(row.payer_id), { text: true })],
  ['currency', (row) => row.currency],
  ...(['total', 'allowed', 'payer_amount', 'patient_responsibility', 'paid', 'payer_outstanding', 'patient_outstanding', 'outstanding'] as const).map(
    (amount): (typeof COLUMNS)[number] => [amount, (row) => csvField(row[amount] === null ? null : formatMinorUnits(BigInt(row[amount]!), row.currency))],
  ),
  ['denial_reason_code', (row) => csvField(row.denial_reason_code, { text: true })],
  ['denial_reason_display', (row) => csvField(row.denial_reason_display, { text: true })],
];

export const CSV_HEADER = `${COLUMNS.map(([name]) => name).join(',')}\r\n`;

/** Rows as CSV lines (CRLF), amounts as decimals of their currency. */
export function csvLines(rows: readonly ExportRow[], payerName: (id: string | null) => string | null): string {
  let text = '';
  for (const row of rows) text += `${COLUMNS.map(([, write]) => write(row, payerName)).join(',')}\r\n`;
  return text;
}
