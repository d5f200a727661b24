import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { assertRedisReachable, createJobRuntime, redisTlsOptions } from '../../src/main.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import { randomPrefix } from '../helpers/redis.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';

/** Issue 14, Build 3: rediss:// with redis.caBundle and a client certificate, verification on. */
let dir: string;
let redis: PrivateRedis;
const files = { ca: '', cert: '', key: '' };

async function makePki(d: string): Promise<{ server: { cert: string; key: string }; ca: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 86_400_000);
  const base = { keyType: 'ec' as const, algorithm: 'sha256', notBeforeDate, notAfterDate };
  const ca = await generate([{ name: 'commonName', value: 'redis test CA' }], {
    ...base,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = (cn: string, usage: Record<string, boolean>) =>
    generate([{ name: 'commonName', value: cn }], {
      ...base,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', ...usage },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
  const server = await leaf('localhost', { serverAuth: true });
  const client = await leaf('sepm-intake', { clientAuth: true });
  const w = (name: string, text: string) => (writeFileSync(join(d, name), text, { mode: 0o600 }), join(d, name));
  files.ca = w('ca.pem', ca.cert);
  files.cert = w('client.pem', client.cert);
  files.key = w('client.key', client.private);
  return { server: { cert: w('server.pem', server.cert), key: w('server.key', server.private) }, ca: files.ca };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
  const pki = await makePki(dir);
  redis = await startPrivateRedis([], { ...pki.server, ca: pki.ca, authClients: true });
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rediss:// with a CA bundle and a client certificate', () => {
  it('connects and runs a queue with redis.caBundle + clientCert + clientKey, verification on', async () => {
    const cfg = configSchema.parse({
      redis: {
        url: redis.url,
        prefix: randomPrefix('tls'),
        caBundle: files.ca,
        clientCert: files.cert,
        clientKey: files.key,
      },
    });
    const tls = redisTlsOptions(cfg.redis);
    await assertRedisReachable(cfg.redis.url, 3000, tls);
    const runtime = createJobRuntime(cfg.redis.url, cfg.redis.prefix, undefined, {
      infoAllowed: true,
      ...(tls ? { tls } : {}),
    });
    const conn = runtime.redis('tls');
    const queue = runtime.queue(QueueNames.intake, conn);
    try {
      await queue.add('x', { a: 1 });
      expect(await queue.count()).toBe(1);
    } finally {
      await queue.close();
      conn.disconnect();
    }
  });

  it('without the CA bundle: REDIS_TLS_FAILED naming the certificate, not "Connection is closed"', async () => {
    const err = await assertRedisReachable(redis.url, 3000, {}).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).toBe('REDIS_TLS_FAILED');
    expect(err?.message).toMatch(/certificate/i);
  });

  it('refuses TLS files on a plain redis:// URL', () => {
    const cfg = configSchema.parse({ redis: { url: 'redis://127.0.0.1:6379', caBundle: files.ca } });
    expect(() => redisTlsOptions(cfg.redis)).toThrow(/rediss:\/\//);
  });
});
