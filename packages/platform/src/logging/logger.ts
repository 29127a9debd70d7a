import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may carry PHI if someone logs a whole object by mistake. Logs are for operators;
 * patient data never belongs in them (HIPAA minimum necessary).
 */
const PHI_PATHS = [
  '*.name', '*.names', '*.birthDate', '*.identifier', '*.identifiers', '*.address', '*.addresses',
  '*.telecom', '*.variables', '*.password', '*.token', '*.authorization', 'req.headers.authorization',
  'req.headers.cookie', '*.body',
];

/** `destination`: where lines go (default stdout); tests pass a stream to read what was logged. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: PHI_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // synchronous writes: the last lines before process.exit (shutdown, a fatal start-up error)
    // must reach the launcher; pino's default async stdout can lose them
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
