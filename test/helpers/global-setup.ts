import { assertRedisReachable } from '../../src/main.ts';
import { assertPostgresReachable } from './postgres.ts';

/** Integration tests need the machine's Redis and PostgreSQL; say so clearly instead of timing out in every test. */
export default async function setup(): Promise<void> {
  const url = process.env.SEPM_INTAKE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  await assertRedisReachable(url, 3000);
  await assertPostgresReachable();
}
