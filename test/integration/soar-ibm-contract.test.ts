import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { startSoarSim, type SoarSim } from '../../sim/soar/index.ts';
import { createIbmSoarClient } from '../../src/soar/ibm/soar.ts';
import { soarContractSuite } from '../helpers/soar-contract.ts';

/** The shared SOAR port contract against the IBM adapter talking HTTPS (verification on, sim CA) to the simulator. */
let sim: SoarSim;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  sim = await startSoarSim({ users: [{ email: 'analyst@example.test', password: 'pw-1' }] });
});
afterAll(async () => {
  await sim.stop();
});

const base = () => ({
  url: sim.url,
  org: 'Test Org',
  dedupField: 'sepm_alert_key',
  timeoutMs: 5000,
  caBundle: sim.caFile ?? undefined,
});

soarContractSuite('IBM adapter (API key) on the SOAR simulator', async () => {
  const client = await createIbmSoarClient(
    { ...base(), apiKeyId: sim.apiKeyId, apiKeySecret: sim.apiKeySecret },
    logger,
    { retry: { baseMs: 5, capMs: 20 } },
  );
  return { client, cleanup: () => client.close() };
});

soarContractSuite('IBM adapter (session login) on the SOAR simulator', async () => {
  const client = await createIbmSoarClient({ ...base(), username: 'analyst@example.test', password: 'pw-1' }, logger, {
    retry: { baseMs: 5, capMs: 20 },
  });
  return { client, cleanup: () => client.close() };
});
