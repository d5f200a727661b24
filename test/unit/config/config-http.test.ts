import { describe, expect, it } from 'vitest';
import { httpSchema } from '../../../src/config/schema.ts';

describe('http config', () => {
  it('defaults: no trusted proxy, timeouts in seconds, bounded sessions', () => {
    expect(httpSchema.parse({})).toMatchObject({
      trustProxy: false,
      secureCookies: false,
      requestTimeoutSec: 30,
      headersTimeoutSec: 10,
      connectionTimeoutSec: 60,
      keepAliveTimeoutSec: 5,
      maxSessions: 10_000,
    });
  });

  it('trustProxy takes addresses, CIDRs and proxy-addr names, nothing else', () => {
    const ok = ['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback', 'uniquelocal'];
    expect(httpSchema.parse({ trustProxy: ok }).trustProxy).toEqual(ok);
    for (const bad of [['proxy.corp.local'], ['10.0.0.0/33'], ['10.0.0.0/8/1'], [], true, '10.0.0.1']) {
      expect(httpSchema.safeParse({ trustProxy: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(httpSchema.safeParse({ requestTimeoutSec: 5, headersTimeoutSec: 10 }).success).toBe(false);
  });
});
