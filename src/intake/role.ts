import type { Config } from '../config/schema.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import type { Logger } from '../shared/logger.ts';
import type { SoarClient } from '../soar/port.ts';
import { decideMail, analyzeOptionsFromConfig } from './analyze.ts';
import { mapToIncidents } from './mapper.ts';
import type { CompiledSeverityRules } from './severity-rules.ts';
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
  severityRules: CompiledSeverityRules,
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
      analyze: (raw) => decideMail(raw, analyzeOptions),
      toIncidents: (n, artifacts, mail) => mapToIncidents(n, artifacts, mail, { severityRules }),
      soar,
      mergeWindowMs: config.soar.mergeWindowHours * 3600_000,
    },
  });
  return async (deadlineMs) => {
    await handle.close(deadlineMs);
    connection.disconnect();
  };
}
