import type { Config } from '../config/schema.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { Logger } from '../shared/logger.ts';
import type { SoarClient } from '../soar/port.ts';
import { analyzeMail, analyzeOptionsFromConfig } from './analyze.ts';
import { mapToIncidents } from './mapper.ts';
import { createIntakeWorker } from './worker.ts';

/**
 * The worker role: the intake queue's consumer with the dependencies of this deployment. Returns its stopper
 * (running jobs get the deadline, ms, then the connection goes).
 */
export function startIntakeRole(
  runtime: JobRuntime,
  config: Config,
  logger: Logger,
  soar: SoarClient,
  concurrency = 8,
): (deadlineMs: number) => Promise<void> {
  const connection = runtime.redis('worker');
  const analyzeOptions = analyzeOptionsFromConfig(config);
  const handle = createIntakeWorker({
    runtime,
    connection,
    concurrency,
    logger,
    deps: {
      analyze: (raw) => analyzeMail(raw, analyzeOptions),
      toIncidents: mapToIncidents,
      soar,
      mergeWindowMs: config.soar.mergeWindowHours * 3600_000,
      rejectUntrusted: senderChecksConfigured(config),
    },
  });
  return async (deadlineMs) => {
    await handle.close(deadlineMs);
    connection.disconnect();
  };
}

/** True when at least one sender-authenticity check is on (then an untrusted verdict means forged mail). */
export function senderChecksConfigured(config: Config): boolean {
  const a = config.senderAuth;
  return a.requireSpf || a.requireDkim || a.requireDmarc || a.trustedRelays.length > 0;
}
