import { AppError, ErrorCodes, type ErrorCode } from '../../shared/errors.ts';
import { classifyTransportError } from '../../shared/http/transport-error.ts';

/**
 * Maps IBM SOAR answers and transport failures to catalog errors. Only 429, 5xx, timeouts and network failures
 * are retryable; 400/401/403/404 never are, and 409 is handled by the callers' re-read loops.
 */

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

export function transportError(err: unknown, what: string, timedOut: boolean): AppError {
  if (err instanceof AppError) return err;
  const { kind, code } = classifyTransportError(err, timedOut);
  const detail = err instanceof Error ? err.message : String(err);
  if (kind === 'timeout') {
    return new AppError(ErrorCodes.SOAR_TIMEOUT, `${what}: timed out`, { retryable: true, cause: err });
  }
  if (kind === 'tls') {
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
