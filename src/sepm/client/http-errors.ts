import { AppError, ErrorCodes, type ErrorCode } from '../../shared/errors.ts';
import { classifyTransportError } from '../../shared/http/transport-error.ts';
import type { SepmErrorBody } from '../functions/types.ts';

/**
 * Turns SEPM answers and transport failures into AppErrors with stable codes (docs/reference/sepm-rest-api.md §8 Errors).
 * `details.sepmError` keeps SEPM's own body (errorCode is a string: the HTTP status or an app code like "4104").
 */

export const V2_FALLBACK_MARKER = 'not supported by v1';

/** Reads `{errorCode, appErrorCode, errorMessage}` with the `message` / `error_description` fallbacks. */
export function parseSepmErrorBody(text: string): SepmErrorBody & { message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { message: '' };
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const o = parsed as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
      const body: SepmErrorBody & { message: string } = {
        message: str(o.errorMessage) ?? str(o.message) ?? str(o.error_description) ?? str(o.error) ?? '',
      };
      const errorCode = str(o.errorCode);
      if (errorCode !== undefined) body.errorCode = errorCode;
      const appErrorCode = str(o.appErrorCode);
      if (appErrorCode !== undefined) body.appErrorCode = appErrorCode;
      const errorMessage = str(o.errorMessage);
      if (errorMessage !== undefined) body.errorMessage = errorMessage;
      return body;
    }
  } catch {
    // not JSON: fall through to a short text excerpt (HTML error pages from proxies, etc.)
  }
  return { message: trimmed.replace(/\s+/g, ' ').slice(0, 200) };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return ErrorCodes.SEPM_BAD_REQUEST;
  if (status === 401 || status === 403) return ErrorCodes.SEPM_AUTH_FAILED;
  if (status === 404) return ErrorCodes.SEPM_NOT_FOUND;
  if (status === 409) return ErrorCodes.SEPM_CONFLICT;
  if (status === 410) return ErrorCodes.SEPM_GONE;
  if (status >= 500) return ErrorCodes.SEPM_SERVER_ERROR;
  return ErrorCodes.SEPM_HTTP;
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** AppError for a non-2xx SEPM answer. `what` is "METHOD /path" (never a query string or credentials). */
export function httpError(what: string, status: number, bodyText: string): AppError {
  const body = parseSepmErrorBody(bodyText);
  const { message, ...sepmError } = body;
  const text = message || `HTTP ${status}`;
  return new AppError(codeForStatus(status), `SEPM ${what} → ${status}: ${text}`, {
    status,
    retryable: isRetryableStatus(status),
    details: { sepmCode: sepmError.errorCode ?? String(status), sepmError: { ...sepmError, errorMessage: text } },
  });
}

/** AppError for a failure before an HTTP status arrived (DNS, connect, TLS, reset, timeout). */
export function transportError(what: string, err: unknown, timedOut: boolean): AppError {
  if (err instanceof AppError) return err;
  const { kind, code } = classifyTransportError(err, timedOut);
  const msg = err instanceof Error ? err.message : String(err);
  if (kind === 'timeout') {
    return new AppError(ErrorCodes.SEPM_TIMEOUT, `SEPM ${what}: no answer in time`, { retryable: true, cause: err });
  }
  if (kind === 'tls') {
    return new AppError(
      ErrorCodes.SEPM_TLS,
      `SEPM ${what}: TLS verification failed (${code}); export the SEPM certificate's CA and set sepm.caBundle`,
      { retryable: false, cause: err, details: { tlsCode: code } },
    );
  }
  return new AppError(ErrorCodes.SEPM_NETWORK, `SEPM ${what}: ${code ? `${code} ` : ''}${msg}`, {
    retryable: true,
    cause: err,
    details: code ? { networkCode: code } : undefined,
  });
}

/** The SEPM error body carried by an AppError from httpError, if any. */
export function sepmErrorOf(err: unknown): SepmErrorBody | undefined {
  if (!(err instanceof AppError)) return undefined;
  const e = err.details?.sepmError;
  return e && typeof e === 'object' ? (e as SepmErrorBody) : undefined;
}

/** True for SEPM's "This FingerprintList is not supported by V1, please try V2!" answer. */
export function isV2FallbackError(err: unknown): boolean {
  const body = sepmErrorOf(err);
  return (body?.errorMessage ?? '').toLowerCase().includes(V2_FALLBACK_MARKER);
}

export function hasStatus(err: unknown, status: number): boolean {
  return err instanceof AppError && err.status === status;
}
