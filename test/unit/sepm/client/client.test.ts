import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createSepmClient, encodeQuery, type SepmClient } from '../../../../src/sepm/client/client.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { READ_RETRY } from '../../../../src/shared/retry.ts';
import { createLogger } from '../../../../src/shared/logger.ts';
import { fakeConfig, sendJson, sepmError, startFakeSepm, type FakeSepm } from '../../../helpers/fake-sepm.ts';

let sepm: FakeSepm;
let client: SepmClient;

const FAST_RETRY = { baseMs: 1, capMs: 5 };

beforeEach(async () => {
  sepm = await startFakeSepm();
  client = createSepmClient(fakeConfig(sepm.port), { retry: FAST_RETRY });
});

afterEach(async () => {
  await client.close();
  await sepm.close();
});

function page(content: unknown[], extra: Record<string, unknown> = {}) {
  return { content, number: 0, size: 20, firstPage: true, ...extra };
}

describe('authentication', () => {
  it('logs in with a JSON body that keeps special characters intact and sends the bearer token', async () => {
    sepm.route('GET /domains', (_r, res) => sendJson(res, 200, []));
    await client.request('GET', '/domains');
    expect(sepm.logins).toHaveLength(1);
    expect(JSON.parse(sepm.logins[0]!.body)).toEqual({
      username: 'admin',
      password: 'S3cr3t!"#%&\'<>\\',
      domain: '',
    });
    expect(sepm.logins[0]!.headers['content-type']).toMatch(/application\/json/);
    expect(sepm.requests[0]!.headers.authorization).toBe('Bearer tok-1');
  });

  it('reuses one token across calls and shares a single login between concurrent callers', async () => {
    sepm.route('GET /domains', (_r, res) => sendJson(res, 200, []));
    await Promise.all(Array.from({ length: 20 }, () => client.request('GET', '/domains')));
    await client.request('GET', '/domains');
    expect(sepm.logins).toHaveLength(1);
    expect(client.stats.logins).toBe(1);
    expect(client.stats.requests).toBe(22); // 21 calls + the login
  });

  it('re-logs in once and retries a POST once after a 401 (expired token)', async () => {
    sepm.route('POST /command-queue/quarantine', (_r, res) => sendJson(res, 200, { commandID_computer: 'C1' }));
    await client.request('GET', '/x').catch(() => undefined); // warm the token (404)
    sepm.validTokens.clear();
    const out = await client.request('POST', '/command-queue/quarantine', { query: { computer_ids: ['A'] } });
    expect(out).toEqual({ commandID_computer: 'C1' });
    expect(sepm.logins).toHaveLength(2);
    expect(sepm.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('fails with SEPM_AUTH_FAILED when the fresh token is refused too, without looping', async () => {
    sepm.route('GET /domains', (_r, res) => sepmError(res, 401, 'insufficient rights'));
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({
      code: ErrorCodes.SEPM_AUTH_FAILED,
      status: 401,
    });
    expect(sepm.logins).toHaveLength(2);
    expect(sepm.requests).toHaveLength(2);
  });

  it('turns a refused login into a non-retryable SEPM_AUTH_FAILED and does not ask again during the back-off', async () => {
    sepm.onLogin((_r, res) => sepmError(res, 401, 'bad credentials'));
    const err = await client.request('GET', '/domains').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SEPM_AUTH_FAILED, retryable: false, status: 401 });
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_AUTH_FAILED });
    expect(sepm.logins).toHaveLength(1);
    expect(sepm.requests).toHaveLength(0);
  });

  it('never sends "Bearer undefined": a login answer without token is SEPM_NO_TOKEN', async () => {
    sepm.onLogin((_r, res) => sendJson(res, 200, { tokenExpiration: 10 }));
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_NO_TOKEN });
    expect(sepm.requests).toHaveLength(0);
  });

  it('refreshes the token before tokenExpiration minus the margin', async () => {
    let now = 1_000_000;
    await client.close();
    client = createSepmClient(fakeConfig(sepm.port, { tokenRefreshMarginSec: 60 }), { now: () => now });
    let n = 0;
    sepm.onLogin((_r, res) => {
      const token = `short-${++n}`;
      sepm.validTokens.add(token);
      sendJson(res, 200, { token, tokenExpiration: 600 });
    });
    sepm.route('GET /domains', (_r, res) => sendJson(res, 200, []));
    await client.request('GET', '/domains');
    now += 539_000;
    await client.request('GET', '/domains');
    expect(sepm.logins).toHaveLength(1);
    now += 2_000; // 541 s > 600 − 60
    await client.request('GET', '/domains');
    expect(sepm.logins).toHaveLength(2);
  });

  it('does not log the password or the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    await client.close();
    const logger = createLogger({ level: 'trace', destination: sink });
    client = createSepmClient(fakeConfig(sepm.port), { logger, retry: FAST_RETRY });
    let calls = 0;
    sepm.route('GET /domains', (_r, res) => (++calls === 1 ? sepmError(res, 503, 'busy') : sendJson(res, 200, [])));
    await client.request('GET', '/domains');
    const text = lines.join('');
    expect(text).toContain('/domains');
    expect(text).not.toContain('S3cr3t');
    expect(text).not.toContain('tok-1');
  });
});

describe('errors and retries', () => {
  it('maps SEPM error bodies to typed errors with status, SEPM code and message', async () => {
    sepm.route('GET /policy-objects/fingerprints', (_r, res) =>
      sendJson(res, 410, {
        errorCode: '410',
        appErrorCode: '',
        errorMessage: 'Fingerprint list with ID X do not exist',
      }),
    );
    const err = await client.request('GET', '/policy-objects/fingerprints').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCodes.SEPM_GONE,
      status: 410,
      retryable: false,
      details: { sepmCode: '410', sepmError: { errorMessage: 'Fingerprint list with ID X do not exist' } },
    });
    expect((err as Error).message).toContain('Fingerprint list with ID X do not exist');
  });

  it.each([
    [400, ErrorCodes.SEPM_BAD_REQUEST, false],
    [404, ErrorCodes.SEPM_NOT_FOUND, false],
    [409, ErrorCodes.SEPM_CONFLICT, false],
    [429, ErrorCodes.SEPM_HTTP, true],
    [502, ErrorCodes.SEPM_SERVER_ERROR, true],
  ])('status %i → %s (retryable %s), message from fallbacks or raw text', async (status, code, retryable) => {
    sepm.route('POST /thing', (_r, res) =>
      status === 404 ? sendJson(res, status, '<html>gone</html>') : sendJson(res, status, { message: 'm-fallback' }),
    );
    const err = await client.request('POST', '/thing').catch((e: unknown) => e);
    expect(err).toMatchObject({ code, status, retryable });
    expect((err as Error).message).toContain(status === 404 ? '<html>gone</html>' : 'm-fallback');
  });

  it('reads error_description and survives an empty error body', async () => {
    sepm.route('POST /a', (_r, res) => sendJson(res, 400, { error_description: 'oauth says no' }));
    sepm.route('POST /b', (_r, res) => sendJson(res, 500, ''));
    await expect(client.request('POST', '/a')).rejects.toThrow(/oauth says no/);
    await expect(client.request('POST', '/b')).rejects.toThrow(/HTTP 500/);
  });

  it('retries an idempotent GET once on 5xx and returns the later answer', async () => {
    let calls = 0;
    sepm.route('GET /domains', (_r, res) =>
      ++calls < 2 ? sepmError(res, 503, 'busy') : sendJson(res, 200, [{ id: 'D' }]),
    );
    await expect(client.request('GET', '/domains')).resolves.toEqual([{ id: 'D' }]);
    expect(calls).toBe(2);
    expect(client.stats.retries).toBe(1);
  });

  it('gives up after READ_RETRY.tries (2) requests for a failing GET: BullMQ retries the job', async () => {
    sepm.route('GET /domains', (_r, res) => sepmError(res, 500, 'down'));
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_SERVER_ERROR });
    expect(READ_RETRY.tries).toBe(2);
    expect(sepm.requests.filter((r) => r.path.endsWith('/domains'))).toHaveLength(2);
  });

  it('does not retry a GET when the wait would leave the time budget', async () => {
    await client.close();
    client = createSepmClient(fakeConfig(sepm.port), { retry: { budgetMs: 10, baseMs: 100, capMs: 100 } });
    sepm.route('GET /domains', (_r, res) => sepmError(res, 503, 'busy'));
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_SERVER_ERROR });
    expect(sepm.requests.filter((r) => r.path.endsWith('/domains'))).toHaveLength(1);
  });

  it('never retries a command (POST) blindly on 5xx', async () => {
    sepm.route('POST /command-queue/eoc', (_r, res) => sepmError(res, 500, 'boom'));
    await expect(client.request('POST', '/command-queue/eoc', { xmlBody: '<EOC/>' })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_SERVER_ERROR,
      retryable: true,
    });
    expect(sepm.requests).toHaveLength(1);
  });

  it('times out a slow answer with SEPM_TIMEOUT', async () => {
    await client.close();
    client = createSepmClient(fakeConfig(sepm.port, { requestTimeoutMs: 150 }), { retry: { tries: 1 } });
    sepm.route('GET /slow', (_r, res) => {
      setTimeout(() => sendJson(res, 200, {}), 1000);
    });
    await expect(client.request('GET', '/slow')).rejects.toMatchObject({
      code: ErrorCodes.SEPM_TIMEOUT,
      retryable: true,
    });
  });

  it('reports a refused connection as a retryable SEPM_NETWORK error', async () => {
    const port = sepm.port;
    await sepm.close();
    const c = createSepmClient(fakeConfig(port), { retry: { tries: 1 } });
    await expect(c.request('GET', '/domains')).rejects.toMatchObject({
      code: ErrorCodes.SEPM_NETWORK,
      retryable: true,
    });
    await c.close();
    sepm = await startFakeSepm();
  });

  it('rejects a 2xx answer that is not JSON', async () => {
    sepm.route('GET /domains', (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login page</html>');
    });
    await expect(client.request('GET', '/domains')).rejects.toMatchObject({ code: ErrorCodes.SEPM_BAD_RESPONSE });
  });

  it('returns undefined for an empty 2xx body and a Buffer for raw downloads, with a size cap', async () => {
    sepm.route('DELETE /policy-objects/fingerprints/F', (_r, res) => {
      res.writeHead(200);
      res.end();
    });
    sepm.route('GET /bin', (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(5000, 7));
    });
    await expect(client.request('DELETE', '/policy-objects/fingerprints/F')).resolves.toBeUndefined();
    const buf = await client.request<Buffer>('GET', '/bin', { raw: true });
    expect(Buffer.isBuffer(buf) && buf.length).toBe(5000);
    await expect(client.request('GET', '/bin', { raw: true, maxBytes: 1000 })).rejects.toMatchObject({
      code: ErrorCodes.SEPM_BAD_RESPONSE,
    });
  });
});

describe('request encoding', () => {
  it('encodes ID lists as repeated keys or comma-joined, never with empty items', () => {
    const q = { computer_ids: ['A', 'B'], group_ids: [], undo: 'true', empty: '', none: undefined };
    expect(encodeQuery(q, 'repeat')).toBe('?computer_ids=A&computer_ids=B&undo=true');
    expect(encodeQuery(q, 'comma')).toBe('?computer_ids=A%2CB&undo=true');
  });

  it('sends XML under application/json and switches to /v2 on request', async () => {
    sepm.route('POST /sepm/api/v1/command-queue/eoc', (r, res) =>
      sendJson(res, 200, { commandID_group: r.body.length }),
    );
    sepm.route('GET /sepm/api/v2/policy-objects/fingerprints/F', (_r, res) => sendJson(res, 200, { id: 'F' }));
    await client.request('POST', '/command-queue/eoc', { xmlBody: '<EOC a="ü"/>' });
    expect(sepm.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(sepm.requests[0]!.body).toBe('<EOC a="ü"/>');
    await expect(client.request('GET', '/policy-objects/fingerprints/F', { apiVersion: 'v2' })).resolves.toEqual({
      id: 'F',
    });
  });

  it('bounds concurrent requests to maxConcurrency', async () => {
    await client.close();
    client = createSepmClient(fakeConfig(sepm.port, { maxConcurrency: 2 }));
    let active = 0;
    let peak = 0;
    sepm.route('GET /slow', (_r, res) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        sendJson(res, 200, {});
      }, 30);
    });
    await Promise.all(Array.from({ length: 8 }, () => client.request('GET', '/slow')));
    expect(peak).toBe(2);
  });
});

describe('proxy', () => {
  it('tunnels through the configured HTTP proxy (CONNECT)', async () => {
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const viaProxy = createSepmClient(fakeConfig(sepm.port, { proxy: proxyUrl }));
    try {
      sepm.route('GET /domains', (_r, res) => sendJson(res, 200, [{ id: 'D' }]));
      await expect(viaProxy.request('GET', '/domains')).resolves.toEqual([{ id: 'D' }]);
      expect(tunnels).toContain(`127.0.0.1:${sepm.port}`);
    } finally {
      await viaProxy.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('paging', () => {
  it('walks 1-based pageIndex until lastPage and merges all pages', async () => {
    sepm.route('GET /computers', (r, res) => {
      const i = Number(r.query.get('pageIndex'));
      sendJson(res, 200, page([{ n: i }], { number: i - 1, lastPage: i === 3, totalPages: 3 }));
    });
    const all = await client.all<{ n: number }>('/computers', { pageSize: 1 });
    expect(all.content.map((c) => c.n)).toEqual([1, 2, 3]);
    expect(sepm.requests.map((r) => r.query.get('pageIndex'))).toEqual(['1', '2', '3']);
    expect(sepm.requests[0]!.query.get('pageSize')).toBe('1');
  });

  it('stops on an empty page or at totalPages when the server never sets lastPage', async () => {
    sepm.route('GET /a', (r, res) => {
      const i = Number(r.query.get('pageIndex'));
      sendJson(res, 200, page(i < 3 ? [i] : [], { lastPage: false }));
    });
    sepm.route('GET /b', (r, res) =>
      sendJson(res, 200, page([r.query.get('pageIndex')], { lastPage: false, totalPages: 2 })),
    );
    expect((await client.all('/a')).content).toEqual([1, 2]);
    expect((await client.all('/b')).content).toEqual(['1', '2']);
    expect(sepm.requests.filter((r) => r.path.endsWith('/b'))).toHaveLength(2);
  });

  it('uses the configured page size by default and streams pages lazily', async () => {
    sepm.route('GET /computers', (r, res) => sendJson(res, 200, page([r.query.get('pageSize')], { lastPage: false })));
    const seen: unknown[] = [];
    for await (const p of client.pages('/computers')) {
      seen.push(...p.content);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['500', '500']);
    expect(sepm.requests).toHaveLength(2);
  });

  it('rejects an answer that is not a page', async () => {
    sepm.route('GET /computers', (_r, res) => sendJson(res, 200, { nope: true }));
    await expect(client.all('/computers')).rejects.toMatchObject({ code: ErrorCodes.SEPM_BAD_RESPONSE });
  });
});
