const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const COLORS: Record<string, string> = { trace: '90', debug: '90', info: '32', warn: '33', error: '31', fatal: '35' };
/** pino's bookkeeping fields: the compact form drops them. */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg', 'v']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && 'message' in value) {
    const err = value as { type?: string; message?: string; code?: string };
    return JSON.stringify([err.type, err.code, err.message].filter(Boolean).join(': '));
  }
  return JSON.stringify(value);
}

export interface FormatOptions {
  /** ANSI colours for the level (a terminal). */
  color?: boolean;
}

/**
 * One pino JSON line as `[patients] info graphql operationName=Q durationMs=1.2 req=1a2b3c4d`.
 * Lines that are not pino JSON are kept as they are, under the service's tag.
 */
export function formatLogLine(service: string, line: string, options: FormatOptions = {}): string {
  const trimmed = line.trim();
  if (!trimmed) return '';
  let entry: Record<string, unknown> | undefined;
  if (trimmed.startsWith('{')) {
    try {
      entry = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      entry = undefined;
    }
  }
  if (!entry || typeof entry !== 'object') return `[${service}] ${trimmed}`;
  const tag = typeof entry.service === 'string' ? entry.service : service;
  const level = typeof entry.level === 'number' ? (LEVELS[entry.level] ?? String(entry.level)) : String(entry.level ?? 'info');
  const levelText = options.color ? `\u001b[${COLORS[level] ?? '0'}m${level}\u001b[0m` : level;
  const parts = [`[${tag}]`, levelText];
  if (typeof entry.msg === 'string') parts.push(entry.msg);
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (key === 'requestId' && typeof value === 'string') {
      parts.push(`req=${value.slice(0, 8)}`);
      continue;
    }
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(' ');
}

export type LogFormat = 'pretty' | 'json';

/** Writes a child's output line as the launcher shows it (compact, or the raw JSON line). */
export function createLineWriter(format: LogFormat, stream: NodeJS.WritableStream = process.stdout) {
  const color = format === 'pretty' && Boolean((stream as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR;
  return (service: string, line: string) => {
    const text = format === 'json' ? line.trim() : formatLogLine(service, line, { color });
    if (text) stream.write(`${text}\n`);
  };
}
