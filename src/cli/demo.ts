import type { Config } from '../config/schema.ts';
import type { SepmSimulator } from '../enrich/role.ts';

/**
 * The demo wiring: the built-in SEPM simulator, started in-process on loopback (HTTPS with its own CA, so TLS
 * verification stays on). Only the CLI reaches sim/ (main.ts never does): `sepm-intake start` hands this starter
 * to startService, which uses it only when `sepm.mode` is simulator (`start --demo`, what `npm start` runs).
 */
export async function startSepmSimulator(): Promise<SepmSimulator> {
  const { startSepmSim } = await import('../../sim/sepm/index.ts');
  return startSepmSim({ tls: true });
}

/** `start --demo`: the loaded configuration with the SEPM switched to the simulator (every other key kept). */
export function withDemoSepm(config: Config): Config {
  return { ...config, sepm: { ...config.sepm, mode: 'simulator' } };
}
