import pino from 'pino';
import type { Logger } from '@caregraph/platform';
import { createLineWriter, type LogFormat } from './log-format';

/** The launcher's own logger: pino, shown like the children's lines (`[caregraph] info ...`). */
export function createLauncherLogger(format: LogFormat, level: string): Logger {
  const options = { name: 'caregraph', level, base: { service: 'caregraph' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'json') return pino(options, pino.destination({ fd: 1, sync: true }));
  const write = createLineWriter(format);
  return pino(options, { write: (line: string) => write('caregraph', line) });
}
