import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './dovecot.ts';

/**
 * A redis-server of the test's own, on a free loopback port with its own directory, so a test may restart it,
 * lose its data or change its settings without touching the shared Redis at 6379. Persistence is off unless
 * `args` turn it on (`--appendonly yes`), which is how the Redis on many installs runs.
 */
export interface PrivateRedis {
  readonly port: number;
  readonly dir: string;
  /** redis://127.0.0.1:<port> (no user). */
  readonly url: string;
  /** kill -9 and start again on the same port: without persistence every key is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** TLS-only server on the port: PEM files of its certificate, key and the CA that client certificates need. */
export interface PrivateRedisTls {
  cert: string;
  key: string;
  ca: string;
  /** tls-auth-clients: yes = a client certificate signed by `ca` is required. */
  authClients: boolean;
}

export async function startPrivateRedis(args: string[] = [], tls?: PrivateRedisTls): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'private-redis-'));
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  if (tls) {
    args = [
      ...args,
      ...['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key],
      ...['--tls-ca-cert-file', tls.ca, '--tls-auth-clients', tls.authClients ? 'yes' : 'no'],
    ];
  }
  let child: ChildProcess | undefined;
  const spawnServer = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
      { stdio: 'ignore' },
    );
    try {
      await waitForPing(port, args);
    } catch (err) {
      // Never leave a server behind when the start failed.
      child.kill('SIGKILL');
      throw err;
    }
  };
  const shutdown = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await exited;
  };
  await spawnServer();
  return {
    port,
    dir,
    url,
    restart: async () => {
      await shutdown();
      await spawnServer();
    },
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(port: number, args: string[], timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  // A TLS-only server (`--port 0 --tls-port …`): listening is enough (its caller tests the handshake).
  if (args.includes('--tls-port')) {
    while (Date.now() < end) {
      const up = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`private TLS redis-server did not listen on ${port} within ${timeoutMs} ms`);
  }
  while (Date.now() < end) {
    const r = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
    });
    let lastError = '';
    r.on('error', (e: Error) => (lastError = e.message));
    try {
      await r.connect();
      await r.ping();
      return;
    } catch (err) {
      // NOAUTH / WRONGPASS: it is up, just protected.
      if (/NOAUTH|WRONGPASS/.test(`${(err as Error).message} ${lastError}`)) return;
    } finally {
      r.disconnect();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`private redis-server did not answer on ${port} within ${timeoutMs} ms`);
}
