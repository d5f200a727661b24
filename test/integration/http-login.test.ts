import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startWebHarness, type RawResponse, type WebHarness } from '../helpers/http-server.ts';

/**
 * Login over a real socket behind a (simulated) reverse proxy at 127.0.0.1: the limiter keys on the client the
 * trusted proxy names plus the user, and never refuses right credentials; the Secure flag follows TLS at a
 * trusted proxy; POST /login needs the form's CSRF token; slow clients are cut off by the configured timeouts.
 */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

/** GET /login then POST the form with its token and cookie, as a browser behind the proxy would. */
async function formLogin(w: WebHarness, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const page = await w.raw('GET', '/login', headers);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0]!;
  return w.raw('POST', '/login', { ...headers, cookie, 'content-type': FORM }, form({ ...fields, _csrf: token }));
}

const cookies = (r: RawResponse) => ([] as string[]).concat(r.headers['set-cookie'] ?? []);

describe('login behind a trusted proxy', () => {
  let w: WebHarness;
  beforeAll(async () => {
    w = await startWebHarness({ trustProxy: ['127.0.0.1/32'], loginRateLimitPerMin: 10 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('10 bad logins for one user lock neither another user nor that user with the right password', async () => {
    const client = { 'x-forwarded-for': '203.0.113.5' };
    const api = (user: string, pw: string, h: Record<string, string> = client) =>
      w.raw('GET', '/api/openapi.json', { ...h, authorization: basic(user, pw) });
    for (let i = 0; i < 10; i++) expect((await api('alice', `guess-${i}`)).status).toBe(401);
    expect((await api('alice', 'guess-10')).status).toBe(429);
    expect((await api('alice', 'alice-secret-pw')).status).toBe(200);
    expect((await api('bob', 'bob-secret-pw')).status).toBe(200);
    expect((await api('bob', 'wrong')).status).toBe(401);
    // Another client behind the same proxy is a different key.
    expect((await api('alice', 'guess', { 'x-forwarded-for': '203.0.113.6' })).status).toBe(401);

    for (let i = 0; i < 10; i++) {
      expect((await formLogin(w, { username: 'carol', password: `x${i}` }, client)).status).toBe(401);
    }
    expect((await formLogin(w, { username: 'carol', password: 'x' }, client)).status).toBe(429);
    const alice = await formLogin(w, { username: 'alice', password: 'alice-secret-pw' }, client);
    expect(alice.status).toBe(303);
    expect(cookies(alice).some((c) => c.startsWith('sepm_session='))).toBe(true);
  });

  it('sets Secure on the cookies when the trusted proxy says the request came over TLS', async () => {
    const viaTls = await formLogin(
      w,
      { username: 'bob', password: 'bob-secret-pw' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    );
    expect(viaTls.status).toBe(303);
    const session = cookies(viaTls).find((c) => c.startsWith('sepm_session='))!;
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/HttpOnly/);
    const plain = await formLogin(w, { username: 'bob', password: 'bob-secret-pw' });
    expect(cookies(plain).find((c) => c.startsWith('sepm_session='))).not.toMatch(/Secure/);
  });

  it('refuses a login POST without the form token (CSRF), and never opens a session for it', async () => {
    const body = form({ username: 'alice', password: 'alice-secret-pw' });
    const forged = await w.raw('POST', '/login', { 'content-type': FORM, origin: 'https://evil.example' }, body);
    expect(forged.status).toBe(403);
    expect(cookies(forged).some((c) => c.startsWith('sepm_session='))).toBe(false);
    // A token without its cookie (another browser's form) is refused as well.
    const page = await w.raw('GET', '/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const noCookie = await w.raw('POST', '/login', { 'content-type': FORM }, `${body}&_csrf=${token}`);
    expect(noCookie.status).toBe(403);
  });
});

describe('without trustProxy', () => {
  let w: WebHarness;
  beforeAll(async () => {
    w = await startWebHarness({ loginRateLimitPerMin: 3, secureCookies: false });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('believes no forwarding header: X-Forwarded-For does not split the key, X-Forwarded-Proto sets no Secure', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await w.raw('GET', '/metrics', {
        'x-forwarded-for': `198.51.100.${i}`,
        authorization: basic('eve', 'x'),
      });
      expect(r.status).toBe(401);
    }
    const r = await w.raw('GET', '/metrics', { 'x-forwarded-for': '198.51.100.99', authorization: basic('eve', 'x') });
    expect(r.status).toBe(429);
    const login = await formLogin(w, { username: 'bob', password: 'bob-secret-pw' }, { 'x-forwarded-proto': 'https' });
    expect(login.status).toBe(303);
    expect(cookies(login).find((c) => c.startsWith('sepm_session='))).not.toMatch(/Secure/);
  });
});

describe('secureCookies', () => {
  it('puts Secure on the session cookie of a plain-HTTP request', async () => {
    const w = await startWebHarness({ secureCookies: true });
    try {
      const login = await formLogin(w, { username: 'bob', password: 'bob-secret-pw' });
      expect(cookies(login).find((c) => c.startsWith('sepm_session='))).toMatch(/; Secure/);
    } finally {
      await w.close();
    }
  });
});

/** Opens a socket, writes `head`, then one byte of `rest` every `stepMs`; resolves when the server closes it. */
function trickle(port: number, head: string, rest: string, stepMs: number): Promise<{ sent: number; reply: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let sent = 0;
    let reply = '';
    socket.write(head);
    const timer = setInterval(() => {
      if (sent < rest.length && socket.writable) socket.write(rest[sent++]!);
    }, stepMs);
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ sent, reply });
    });
  });
}

describe('timeouts', () => {
  let w: WebHarness;
  beforeAll(async () => {
    w = await startWebHarness({ requestTimeoutSec: 1, headersTimeoutSec: 1, connectionTimeoutSec: 5 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('closes connections that trickle their body or headers long before they finish', async () => {
    // 80 bytes at one per 100 ms would take 8 s; the server must give up after requestTimeout (1 s).
    const body = 'username=alice&password=x&_csrf=' + 'a'.repeat(48);
    const head = `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const slowBodies = await Promise.all(Array.from({ length: 20 }, () => trickle(w.port, head, body, 100)));
    for (const r of slowBodies) {
      expect(r.sent).toBeLessThan(body.length);
      // Node answers 408 when it can; a closed socket without an answer is the other outcome.
      if (r.reply) expect(r.reply).toMatch(/^HTTP\/1\.1 408/);
    }
    const headers = 'X-Filler: ' + 'b'.repeat(78) + '\r\n\r\n';
    const slowHead = await trickle(w.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', headers, 100);
    expect(slowHead.sent).toBeLessThan(headers.length);
    // A normal request on the same server is unaffected.
    expect((await w.raw('GET', '/healthz')).status).toBe(200);
  });
});
