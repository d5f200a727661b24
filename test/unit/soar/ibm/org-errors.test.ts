import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import { errorMessage, statusError, transportError } from '../../../../src/soar/ibm/errors.ts';
import { IbmHttp } from '../../../../src/soar/ibm/http.ts';
import { checkIncidentFields, resolveOrg } from '../../../../src/soar/ibm/org.ts';

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a throw');
}

describe('resolveOrg', () => {
  const orgs = [
    { id: 1, name: 'Alpha', uuid: 'u-1', cloud_account: null, enabled: true },
    { id: 2, name: 'u-1', uuid: 'u-2', cloud_account: 'Alpha', enabled: true },
    { id: 3, name: 'Off', uuid: 'u-3', cloud_account: null, enabled: false },
  ];

  it('matches cloud_account first, then uuid, then name', () => {
    expect(resolveOrg(orgs, 'Alpha').id).toBe(2);
    expect(resolveOrg(orgs, 'u-1').id).toBe(1);
    expect(resolveOrg(orgs, 'u-2').id).toBe(2);
  });

  it('rejects no orgs, no match and a disabled org', () => {
    expect(thrown(() => resolveOrg([], 'x')).message).toContain('not a member of any orgs');
    const none = thrown(() => resolveOrg(orgs, 'Beta'));
    expect(none.code).toBe(ErrorCodes.SOAR_ORG_NOT_FOUND);
    expect(none.message).toContain('Alpha');
    const off = thrown(() => resolveOrg(orgs, 'Off'));
    expect(off.code).toBe(ErrorCodes.SOAR_ORG_NOT_FOUND);
    expect(off.message).toContain('disabled');
  });
});

describe('checkIncidentFields', () => {
  const ours = ['k', 'sepm_occurrences', 'sepm_last_seen', 'sepm_message_ids'].map((name) => ({
    name,
    prefix: 'properties',
  }));

  it('returns the handle maps when our custom fields exist', () => {
    const names = checkIncidentFields(
      [...ours, { name: 'severity_code', values: [{ value: 4, label: 'Low' }] }, { name: 'name', required: 'always' }],
      'k',
    );
    expect(names.severity_code.get(4)).toBe('Low');
  });

  it('fails on missing custom fields and on foreign always-required fields', () => {
    expect(thrown(() => checkIncidentFields(ours.slice(1), 'k')).code).toBe(ErrorCodes.SOAR_UNKNOWN_TYPE);
    const req = thrown(() => checkIncidentFields([...ours, { name: 'business_unit', required: 'always' }], 'k'));
    expect(req.message).toContain('business_unit');
  });
});

describe('IBM error mapping', () => {
  it('maps statuses to catalog codes; only 429 and 5xx are retryable', () => {
    const body = Buffer.from(JSON.stringify({ success: false, message: 'Unable to find object with ID 1,234' }));
    const cases: [number, string, boolean][] = [
      [400, ErrorCodes.SOAR_BAD_REQUEST, false],
      [401, ErrorCodes.SOAR_AUTH_FAILED, false],
      [403, ErrorCodes.SOAR_FORBIDDEN, false],
      [404, ErrorCodes.SOAR_NOT_FOUND, false],
      [409, ErrorCodes.SOAR_CONFLICT, false],
      [429, ErrorCodes.SOAR_RATE_LIMITED, true],
      [500, ErrorCodes.SOAR_SERVER_ERROR, true],
      [503, ErrorCodes.SOAR_SERVER_ERROR, true],
      [302, ErrorCodes.SOAR_BAD_RESPONSE, false],
    ];
    for (const [status, code, retryable] of cases) {
      const e = statusError(status, body, 'GET x');
      expect([e.code, e.retryable, e.status]).toEqual([code, retryable, status]);
      expect(e.message).toContain('Unable to find object with ID 1,234');
    }
  });

  it('shortens non-JSON bodies (proxy pages) to plain text', () => {
    expect(errorMessage(Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>'))).toBe('502 Bad Gateway');
    expect(errorMessage(Buffer.from('x'.repeat(1000)))).toHaveLength(300);
    expect(errorMessage(Buffer.alloc(0))).toBe('(empty body)');
  });

  it('classifies transport failures: TLS is permanent, timeouts and resets are retryable', () => {
    const tls = transportError(Object.assign(new Error('bad cert'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'w', false);
    expect([tls.code, tls.retryable]).toEqual([ErrorCodes.SOAR_TLS, false]);
    const to = transportError(Object.assign(new Error('slow'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'w', false);
    expect([to.code, to.retryable]).toEqual([ErrorCodes.SOAR_TIMEOUT, true]);
    const reset = transportError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'w', false);
    expect([reset.code, reset.retryable]).toEqual([ErrorCodes.SOAR_NETWORK, true]);
  });
});

describe('IbmHttp', () => {
  const logger = pino({ level: 'silent' });
  const cfg = {
    url: 'https://soar.example',
    org: 'o',
    dedupField: 'k',
    timeoutMs: 1000,
    apiKeyId: 'i',
    apiKeySecret: 's',
  };

  it('refuses a config without credentials', () => {
    expect(thrown(() => new IbmHttp({ ...cfg, apiKeyId: undefined }, logger)).code).toBe(ErrorCodes.CONFIG_INVALID);
  });

  it('a PEM that cannot be read is CONFIG_FILE_UNREADABLE naming the config key, not a raw ENOENT', () => {
    for (const key of ['caBundle', 'clientCert', 'clientKey'] as const) {
      const e = thrown(() => new IbmHttp({ ...cfg, [key]: '/nonexistent/r5.pem' }, logger));
      expect(e.code).toBe(ErrorCodes.CONFIG_FILE_UNREADABLE);
      expect(e.message).toContain(`soar.ibm.${key}`);
    }
  });

  it('backs off exponentially with jitter, capped, and lets Retry-After win', async () => {
    const http = new IbmHttp(cfg, logger, { tries: 2, budgetMs: 5000, baseMs: 100, capMs: 300 });
    const err = new AppError(ErrorCodes.SOAR_SERVER_ERROR, 'x', { retryable: true });
    for (let i = 0; i < 50; i++) {
      const d1 = http.delayFor(1, err);
      const d3 = http.delayFor(3, err);
      expect(d1).toBeGreaterThanOrEqual(50);
      expect(d1).toBeLessThanOrEqual(100);
      expect(d3).toBeGreaterThanOrEqual(150);
      expect(d3).toBeLessThanOrEqual(300);
    }
    const limited = new AppError(ErrorCodes.SOAR_RATE_LIMITED, 'x', {
      retryable: true,
      details: { retryAfterMs: 1234 },
    });
    expect(http.delayFor(1, limited)).toBe(1234);
    await http.close();
  });
});
