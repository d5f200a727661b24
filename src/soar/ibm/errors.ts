import { AppError, ErrorCodes, type ErrorCode } from '../../shared/errors.ts';

/**
 * Maps IBM SOAR answers and transport failures to catalog errors. Only 429, 5xx, timeouts and network failures
 * are retryable; 400/401/403/404 never are, and 409 is handled by the callers' re-read loops.
 */

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

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Message of a StatusDTO body, or the start of a non-JSON body (proxy pages), never more than 300 chars. */
export function errorMessage(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === 'string' && parsed.message !== '') return parsed.message.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return (
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300) || '(empty body)'
  );
}

export function statusError(status: number, body: Buffer, what: string): AppError {
  const message = `${what}: HTTP ${status}: ${errorMessage(body)}`;
  let code: ErrorCode = ErrorCodes.SOAR_BAD_RESPONSE;
  let retryable = false;
  if (status === 400 || status === 413 || status === 422) code = ErrorCodes.SOAR_BAD_REQUEST;
  else if (status === 401) code = ErrorCodes.SOAR_AUTH_FAILED;
  else if (status === 403) code = ErrorCodes.SOAR_FORBIDDEN;
  else if (status === 404 || status === 410) code = ErrorCodes.SOAR_NOT_FOUND;
  else if (status === 409) code = ErrorCodes.SOAR_CONFLICT;
  else if (status === 429) [code, retryable] = [ErrorCodes.SOAR_RATE_LIMITED, true];
  else if (status === 408 || status >= 500) [code, retryable] = [ErrorCodes.SOAR_SERVER_ERROR, true];
  return new AppError(code, message, { status, retryable });
}

function errCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const c = e?.code ?? e?.cause?.code;
  return typeof c === 'string' ? c : undefined;
}

export function transportError(err: unknown, what: string, timedOut: boolean): AppError {
  if (err instanceof AppError) return err;
  const code = errCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new AppError(ErrorCodes.SOAR_TIMEOUT, `${what}: timed out`, { retryable: true, cause: err });
  }
  if (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new AppError(ErrorCodes.SOAR_TLS, `${what}: TLS verification failed (${code}): ${detail}`, {
      retryable: false,
      cause: err,
    });
  }
  return new AppError(ErrorCodes.SOAR_NETWORK, `${what}: ${code ?? 'network error'}: ${detail}`, {
    retryable: true,
    cause: err,
  });
}

export function badResponse(what: string, detail: string): AppError {
  return new AppError(ErrorCodes.SOAR_BAD_RESPONSE, `${what}: ${detail}`);
}
