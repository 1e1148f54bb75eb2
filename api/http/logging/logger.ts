import pino, { type DestinationStream, type Logger } from 'pino';
import { maskPersonalData } from '../../../adapters/outbox/mask-personal-data.ts';

/**
 * Structured JSON logs. Every line passes through `maskPersonalData` before it is written, so an
 * ID-card or mobile number that slips into a message or an error is masked in the log too.
 * Default level `info` (env `LOG_LEVEL`); default destination stdout.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
      base: { service: 'govflow' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => maskPersonalData(line) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
