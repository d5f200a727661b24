import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { sepmConfigFor } from '../../../src/enrich/start.ts';

describe('sepmConfigFor (embedded SEPM)', () => {
  it('points config.sepm at the embedded server and keeps every other setting', () => {
    const base = configSchema.parse({ sepm: { resultsLimit: 50, pollIntervalSec: 3 } }).sepm;
    const cfg = sepmConfigFor(base, {
      host: '127.0.0.1',
      port: 41234,
      protocol: 'https',
      caFile: '/tmp/ca.pem',
      credentials: { username: 'admin', password: 'pw', domain: '' },
    });
    expect(cfg).toMatchObject({
      host: '127.0.0.1',
      port: 41234,
      protocol: 'https',
      caBundle: '/tmp/ca.pem',
      username: 'admin',
      password: 'pw',
      resultsLimit: 50,
      pollIntervalSec: 3,
    });
    const http = sepmConfigFor(base, {
      host: 'h',
      port: 1,
      protocol: 'http',
      caFile: '',
      credentials: { username: 'u', password: 'p', domain: 'd' },
    });
    expect(http.caBundle).toBeUndefined();
  });
});
