import { afterAll } from 'vitest';
import { openPostgresStore } from '../../src/soar/postgres/store.ts';
import { dropSchema, pgSettings, randomSchema } from '../helpers/postgres.ts';
import { soarContractSuite } from '../helpers/soar-contract.ts';

/** The shared SOAR port contract against the PostgreSQL store (one random schema for this file, dropped after). */
const schema = randomSchema('contract');
afterAll(() => dropSchema(schema));

soarContractSuite('PostgreSQL store', async () => {
  const client = await openPostgresStore(pgSettings(schema));
  return { client, cleanup: () => client.close() };
});
