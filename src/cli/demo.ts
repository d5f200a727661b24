import type { Config } from '../config/schema.ts';
import type { SepmSimulator } from '../enrich/role.ts';

/**
 * The demo wiring: the built-in SEPM simulator, started in-process on loopback (HTTPS with its own CA, so TLS
 * verification stays on), its estate reshaped by sim/sepm/demo-estate.ts so the fixture mails meet real endpoints.
 * Only the CLI reaches sim/ (main.ts never does): `sepm-intake start` hands this starter to startService, which uses
 * it only when `sepm.mode` is simulator (`start --demo`, what `npm start` runs, or `sepm-intake demo`).
 */
export async function startSepmSimulator(): Promise<SepmSimulator> {
  const [{ startSepmSim }, { shapeDemoEstate }] = await Promise.all([
    import('../../sim/sepm/index.ts'),
    import('../../sim/sepm/demo-estate.ts'),
  ]);
  return startSepmSim({ tls: true, shapeEstate: shapeDemoEstate });
}

/**
 * Demo timing (seconds). A scan is complete only when every endpoint answered; the demo estate keeps a few clients
 * offline, so its scans end at the timeout: one minute instead of 30, polled every 5 s (doubling to 15 s), puts the
 * first scan matches on screen about 75 s after a mail arrives. A configuration asking for less keeps its values.
 */
export const DEMO_TIMING = { scanTimeoutSec: 60, pollIntervalSec: 5, pollMaxIntervalSec: 15 } as const;

/** `start --demo`: the loaded configuration with the SEPM switched to the simulator (every other key kept). */
export function withDemoSepm(config: Config): Config {
  const s = config.sepm;
  return {
    ...config,
    sepm: {
      ...s,
      mode: 'simulator',
      scanTimeoutSec: Math.min(s.scanTimeoutSec, DEMO_TIMING.scanTimeoutSec),
      pollIntervalSec: Math.min(s.pollIntervalSec, DEMO_TIMING.pollIntervalSec),
      pollMaxIntervalSec: Math.min(s.pollMaxIntervalSec, DEMO_TIMING.pollMaxIntervalSec),
    },
  };
}
