import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths pino must never print. Secrets (passwords, tokens, API keys) and mail content (bodies, raw MIME) are
 * removed wherever they appear in a logged object, at any depth we log.
 */
export const REDACT_PATHS = [
  'password',
  'pass',
  'token',
  'accessToken',
  'apiKeySecret',
  'secret',
  'clientSecret',
  'refreshToken',
  'authorization',
  'Authorization',
  'cookie',
  'body',
  'raw',
  'html',
  'text',
  '*.password',
  '*.pass',
  '*.token',
  '*.accessToken',
  '*.apiKeySecret',
  '*.secret',
  '*.clientSecret',
  '*.refreshToken',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.body',
  '*.raw',
  '*.html',
  '*.text',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
  '*.*.apiKeySecret',
  '*.*.clientSecret',
  '*.*.refreshToken',
  // A PostgreSQL URL carries its password.
  'postgres.url',
  '*.postgres.url',
  'soar.postgres.url',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to capture output; the fatal logger a sync fd. */
  destination?: NodeJS.WritableStream | pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    name: settings.name ?? 'sepm-intake',
    level: settings.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination as pino.DestinationStream) : pino(options);
}

/** A logger that drops everything, for pure code paths and tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
