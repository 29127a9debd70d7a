/** Display helpers: dates in the user's locale, names, money exactly as the API sends it. */
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  // LocalDate (YYYY-MM-DD) is a calendar day, not an instant: no time-zone shift
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateFormat.format(date);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTimeFormat.format(date);
}

export interface NameParts {
  given: readonly string[];
  family?: string | null;
  text?: string | null;
}

export function personName(names: readonly NameParts[] | null | undefined): string {
  const name = names?.[0];
  if (!name) return 'Unnamed patient';
  return name.text ?? [name.given.join(' '), name.family].filter(Boolean).join(' ');
}

export function ageOn(birthDate: string | null | undefined, today = new Date()): number | undefined {
  if (!birthDate) return undefined;
  const [year, month, day] = birthDate.split('-').map(Number);
  let age = today.getFullYear() - year;
  if (today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day)) age -= 1;
  return age;
}

export interface MoneyValue {
  amount: string;
  currency: string;
}

/** Money as sent (a decimal string): never through a float. */
export function formatMoney(money: MoneyValue | null | undefined): string {
  if (!money) return '—';
  const [whole, fraction] = money.amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}${fraction !== undefined ? `.${fraction}` : ''} ${money.currency}`;
}

export function formatMoneyList(list: readonly MoneyValue[] | null | undefined): string {
  return list?.length ? list.map(formatMoney).join(', ') : '0.00';
}

export function humanize(value: string | null | undefined): string {
  if (!value) return '—';
  return value.charAt(0).toUpperCase() + value.slice(1).toLowerCase().replace(/[_-]/g, ' ');
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
