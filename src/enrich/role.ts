import type { Config } from '../config/schema.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { AppError, ErrorCodes } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { SoarClient } from '../soar/port.ts';
import { createSepmFromConfig, sepmConfigFor, startEnrichment, type EmbeddedSepm, type SepmHandle } from './start.ts';

/** A running SEPM simulator as the enrich role needs it: where it listens, its CA and login, and how to stop it. */
export interface SepmSimulator extends EmbeddedSepm {
  url: string;
  stop(): Promise<void>;
}

export interface EnrichRole {
  sepm: SepmHandle;
  /** Drains the workers. */
  stopWorkers(): Promise<void>;
  /** Closes the simulator and its client (after the workers). */
  resources: (() => Promise<void>)[];
}

/**
 * The enrichment consumer (incident-ready, sep and tracking queues). In simulator mode (the demo: `start --demo`,
 * what `npm start` runs) the injected SEPM simulator is started in-process on loopback (HTTPS, its own CA:
 * verification stays on), so the whole flow runs on a fresh machine; the log says so loudly. The simulator is
 * never chosen because a key is missing: checkSepmMode has refused that already.
 */
export async function startEnrichRole(
  runtime: JobRuntime,
  config: Config,
  logger: Logger,
  soar: SoarClient,
  simulator?: () => Promise<SepmSimulator>,
): Promise<EnrichRole> {
  const resources: (() => Promise<void>)[] = [];
  let sepm: SepmHandle | undefined;
  if (config.sepm.mode === 'simulator') {
    if (!simulator) {
      throw new AppError(
        ErrorCodes.CONFIG_INVALID,
        'sepm.mode is simulator but no simulator was provided to this process (run it with `sepm-intake start`)',
      );
    }
    const sim = await simulator();
    resources.push(() => sim.stop());
    const handle = createSepmFromConfig(sepmConfigFor(config.sepm, sim), logger, runtime);
    resources.push(() => handle.close());
    sepm = handle;
    logger.warn(
      { url: sim.url, sepmMode: 'simulator' },
      'DEMO MODE (sepm.mode: simulator): enrichment talks to the built-in SEPM simulator on loopback and writes ' +
        'made-up endpoint data into incidents; never use this with real mail',
    );
  }
  const enrich = await startEnrichment({ config, runtime, soar, logger, ...(sepm ? { sepm } : {}) });
  return { sepm: enrich.sepm, stopWorkers: () => enrich.close(), resources };
}
