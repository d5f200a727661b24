import { pino } from 'pino';
import { createLogger, type Logger } from '../shared/logger.ts';

export const FatalKinds = { uncaughtException: 'uncaughtException', unhandledRejection: 'unhandledRejection' } as const;
export type FatalKind = (typeof FatalKinds)[keyof typeof FatalKinds];

/**
 * A logger for the last line of a dying process: synchronous writes to stderr, so the line is on its way before
 * `process.exit` and never mixes with a command's JSON output on stdout.
 */
export function createFatalLogger(): Logger {
  return createLogger({ name: 'sepm-intake', destination: pino.destination({ dest: 2, sync: true }) });
}

/**
 * Process-level last resort, installed by the CLI entry (bin/sepm-intake.js) before any command runs. An exception
 * nobody caught or a rejection nobody handled means the process is in a state no code path planned for (a job half
 * done, a lease never released): log one fatal line and exit 1, so the supervisor starts a clean process. Nothing
 * is lost by not shutting down gracefully: BullMQ hands stalled jobs to another worker and mail is marked done
 * in its mailbox only after its intake job completed.
 */
export function installFatalHandlers(logger: Logger = createFatalLogger()): void {
  const die =
    (kind: FatalKind) =>
    (err: unknown): void => {
      try {
        logger.fatal({ err: asError(err), kind }, `${kind}: exiting`);
        logger.flush();
      } finally {
        // pino flushes its asynchronous destinations (the service logger) on 'exit'.
        process.exit(1);
      }
    };
  process.on(FatalKinds.uncaughtException, die(FatalKinds.uncaughtException));
  process.on(FatalKinds.unhandledRejection, die(FatalKinds.unhandledRejection));
}

/** pino's error serializer prints message and stack only for Error objects; anything else is wrapped. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(`non-error value: ${String(err)}`);
}
