import { describe, expect, it } from 'vitest';
import { classifyTransportError } from '../../../../src/shared/http/transport-error.ts';

const withCode = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('classifyTransportError', () => {
  it('timeouts: own abort, or any undici timeout code in the cause chain', () => {
    expect(classifyTransportError(new Error('x'), true).kind).toBe('timeout');
    expect(classifyTransportError(withCode('UND_ERR_CONNECT_TIMEOUT'), false).kind).toBe('timeout');
    expect(classifyTransportError(withCode('X', withCode('UND_ERR_HEADERS_TIMEOUT')), false).kind).toBe('timeout');
  });

  it('TLS codes anywhere in the chain; otherwise network with the most specific code', () => {
    expect(classifyTransportError(withCode('UND_ERR_SOCKET', withCode('ERR_TLS_CERT_ALTNAME_INVALID')), false)).toEqual(
      {
        kind: 'tls',
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      },
    );
    expect(classifyTransportError(withCode('UND_ERR_SOCKET', withCode('ECONNRESET')), false)).toEqual({
      kind: 'network',
      code: 'ECONNRESET',
    });
    expect(classifyTransportError(withCode('UND_ERR_SOCKET'), false)).toEqual({
      kind: 'network',
      code: 'UND_ERR_SOCKET',
    });
    expect(classifyTransportError('weird', false)).toEqual({ kind: 'network', code: undefined });
  });
});
