import { describe, expect, it } from 'vitest';
import { transportError } from '../../../../src/sepm/client/http-errors.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';

const withCode = (message: string, code: string, cause?: unknown) => Object.assign(new Error(message), { code, cause });

describe('SEPM transport errors', () => {
  it('a connect timeout is SEPM_TIMEOUT (retryable), like a headers or body timeout', () => {
    for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      const e = transportError('GET /x', withCode('slow', code), false);
      expect(e.code).toBe(ErrorCodes.SEPM_TIMEOUT);
      expect(e.retryable).toBe(true);
    }
  });

  it('names the socket error under undici, and refuses TLS failures without retry', () => {
    const refused = transportError(
      'GET /x',
      withCode('other side closed', 'UND_ERR_SOCKET', withCode('c', 'ECONNREFUSED')),
      false,
    );
    expect(refused).toMatchObject({
      code: ErrorCodes.SEPM_NETWORK,
      retryable: true,
      details: { networkCode: 'ECONNREFUSED' },
    });
    const tls = transportError(
      'GET /x',
      withCode('fetch failed', 'UND_ERR_SOCKET', withCode('c', 'CERT_HAS_EXPIRED')),
      false,
    );
    expect(tls).toMatchObject({
      code: ErrorCodes.SEPM_TLS,
      retryable: false,
      details: { tlsCode: 'CERT_HAS_EXPIRED' },
    });
    expect(transportError('GET /x', new Error('aborted'), true).code).toBe(ErrorCodes.SEPM_TIMEOUT);
  });
});
