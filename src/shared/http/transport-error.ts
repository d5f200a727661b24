/**
 * The one classifier of failures that happen before an HTTP status arrives (DNS, connect, TLS, reset, timeout),
 * shared by the SEPM and IBM SOAR adapters; each maps the kind to its own catalog code. Timeouts and network
 * failures are transient, TLS verification failures are not (a retry cannot fix a missing CA).
 */

export type TransportKind = 'timeout' | 'tls' | 'network';

export interface TransportFailure {
  kind: TransportKind;
  /** The most specific code found (e.g. ECONNREFUSED under undici's UND_ERR_SOCKET), if any. */
  code?: string | undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** How deep the `cause` chain is followed (undici wraps the socket error once or twice). */
const CAUSE_DEPTH = 4;

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < CAUSE_DEPTH && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL');
}

/** `timedOut`: the caller's own abort signal fired. */
export function classifyTransportError(err: unknown, timedOut: boolean): TransportFailure {
  const codes = codesOf(err);
  const specific = codes.find((c) => !c.startsWith('UND_ERR_') && c !== 'ABORT_ERR') ?? codes[0];
  const timeout = codes.find((c) => TIMEOUT_CODES.has(c));
  if (timedOut || timeout) return { kind: 'timeout', code: timeout ?? specific };
  const tls = codes.find(isTlsCode);
  if (tls) return { kind: 'tls', code: tls };
  return { kind: 'network', code: specific };
}
