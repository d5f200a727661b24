import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { hashPassword } from '../../src/http/auth/password.ts';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames, type QueueName } from '../../src/jobs/queues.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/soar/embedded/store.ts';
import { cleanupPrefix, randomPrefix, testRuntime, TEST_REDIS_URL } from './redis.ts';

/**
 * The web role alone on a real socket (no workers, so whatever a request adds stays in its queue), with one
 * operator and one read-only user and token. `raw` sends the request line byte for byte: no client-side URL
 * normalisation hides an encoded path from the server.
 */

const FAST = { N: 1024, r: 8, p: 1 };
export const OP_TOKEN = 'op-token-0123456789abcdef';
export const RO_TOKEN = 'ro-token-0123456789abcdef';
export const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

export interface WebHarness {
  server: RunningHttpServer;
  port: number;
  config: Config;
  prefix: string;
  store: EmbeddedStore;
  queues: Record<QueueName, Queue>;
  /** Total jobs in every state of every queue. */
  jobCount(): Promise<number>;
  raw(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startWebHarness(http: Record<string, unknown> = {}): Promise<WebHarness> {
  const prefix = randomPrefix('web');
  const dir = mkdtempSync(join(tmpdir(), 'web-'));
  const store = openEmbeddedStore(join(dir, 'incidents.db'));
  const users = [
    { name: 'alice', passwordHash: await hashPassword('alice-secret-pw', FAST), role: 'operator' },
    { name: 'bob', passwordHash: await hashPassword('bob-secret-pw', FAST), role: 'readonly' },
  ];
  const tokens = [
    { name: 'ci', token: OP_TOKEN, role: 'operator' },
    { name: 'prom', token: RO_TOKEN, role: 'readonly' },
  ];
  const config = configSchema.parse({
    redis: { url: TEST_REDIS_URL, prefix },
    http: { host: '127.0.0.1', port: 0, users, tokens, ...http },
  });
  const server = await startHttpServer({
    config,
    runtime: testRuntime(prefix),
    soar: store,
    store,
    logger: silentLogger,
    readiness: async () => ({}),
  });
  const port = Number(new URL(server.url).port);
  const redis = testRuntime(prefix).redis('web-harness');
  const queues = Object.fromEntries(
    Object.values(QueueNames).map((n) => [n, new Queue(n, { connection: redis, prefix })]),
  ) as Record<QueueName, Queue>;
  return {
    server,
    port,
    config,
    prefix,
    store,
    queues,
    async jobCount() {
      let n = 0;
      for (const q of Object.values(queues)) n += Object.values(await q.getJobCounts()).reduce((a, b) => a + b, 0);
      return n;
    },
    raw(method, path, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    async close() {
      await server.close();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
      await store.close();
      await cleanupPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
