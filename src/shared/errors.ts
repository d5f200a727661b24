/**
 * The one error catalog. Every error the service raises on purpose carries a stable code from here, so logs,
 * job failure reasons, API answers and metrics can be matched on the code rather than on message text.
 * Add codes to the section of the layer that raises them; never rename or reuse a code.
 */
export const ErrorCodes = {
  // config
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_FILE_UNREADABLE: 'CONFIG_FILE_UNREADABLE',
  SECRET_FILE_UNREADABLE: 'SECRET_FILE_UNREADABLE',
  // infrastructure
  REDIS_UNREACHABLE: 'REDIS_UNREACHABLE',
  REDIS_AUTH_FAILED: 'REDIS_AUTH_FAILED',
  REDIS_NO_PERMISSION: 'REDIS_NO_PERMISSION',
  REDIS_TLS_FAILED: 'REDIS_TLS_FAILED',
  REDIS_UNSUPPORTED: 'REDIS_UNSUPPORTED',
  // mail / parse
  MAIL_TOO_LARGE: 'MAIL_TOO_LARGE',
  MAIL_UNREADABLE: 'MAIL_UNREADABLE',
  MAIL_PARSE_FAILED: 'MAIL_PARSE_FAILED',
  MAIL_NOT_RISK: 'MAIL_NOT_RISK',
  MAIL_SENDER_NOT_ALLOWED: 'MAIL_SENDER_NOT_ALLOWED',
  MAIL_AUTO_REPLY: 'MAIL_AUTO_REPLY',
  WHITELIST_ENTRY_INVALID: 'WHITELIST_ENTRY_INVALID',
  // ingest
  IMAP_CONNECT_FAILED: 'IMAP_CONNECT_FAILED',
  IMAP_AUTH_FAILED: 'IMAP_AUTH_FAILED',
  /** The OAuth2 token endpoint refused or failed to issue an access token for a mailbox. */
  IMAP_TOKEN_FAILED: 'IMAP_TOKEN_FAILED',
  MAILBOX_LOCK_LOST: 'MAILBOX_LOCK_LOST',
  SPOOL_IO: 'SPOOL_IO',
  // SEPM
  SEPM_INPUT_INVALID: 'SEPM_INPUT_INVALID',
  SEPM_AUTH_FAILED: 'SEPM_AUTH_FAILED',
  SEPM_NO_TOKEN: 'SEPM_NO_TOKEN',
  SEPM_HTTP: 'SEPM_HTTP',
  SEPM_BAD_REQUEST: 'SEPM_BAD_REQUEST',
  SEPM_NOT_FOUND: 'SEPM_NOT_FOUND',
  SEPM_GONE: 'SEPM_GONE',
  SEPM_CONFLICT: 'SEPM_CONFLICT',
  SEPM_SERVER_ERROR: 'SEPM_SERVER_ERROR',
  SEPM_NETWORK: 'SEPM_NETWORK',
  SEPM_TIMEOUT: 'SEPM_TIMEOUT',
  SEPM_BAD_RESPONSE: 'SEPM_BAD_RESPONSE',
  SEPM_FILE_FORMAT: 'SEPM_FILE_FORMAT',
  /** A file download refused as a likely zip bomb or hostile archive (member count, names, sizes). */
  SEPM_FILE_UNSAFE: 'SEPM_FILE_UNSAFE',
  SEPM_TLS: 'SEPM_TLS',
  // SOAR
  SOAR_AUTH_FAILED: 'SOAR_AUTH_FAILED',
  SOAR_ORG_NOT_FOUND: 'SOAR_ORG_NOT_FOUND',
  SOAR_BAD_REQUEST: 'SOAR_BAD_REQUEST',
  SOAR_FORBIDDEN: 'SOAR_FORBIDDEN',
  SOAR_NOT_FOUND: 'SOAR_NOT_FOUND',
  SOAR_CONFLICT: 'SOAR_CONFLICT',
  SOAR_RATE_LIMITED: 'SOAR_RATE_LIMITED',
  SOAR_SERVER_ERROR: 'SOAR_SERVER_ERROR',
  SOAR_NETWORK: 'SOAR_NETWORK',
  SOAR_BAD_RESPONSE: 'SOAR_BAD_RESPONSE',
  SOAR_UNKNOWN_TYPE: 'SOAR_UNKNOWN_TYPE',
  SOAR_TIMEOUT: 'SOAR_TIMEOUT',
  SOAR_TLS: 'SOAR_TLS',
  STORE_IO: 'STORE_IO',
  /** Another embedded store (another host's file) is registered on this Redis prefix: the store is one host only. */
  STORE_SINGLE_HOST: 'STORE_SINGLE_HOST',
  // jobs / policy
  JOB_PAYLOAD_INVALID: 'JOB_PAYLOAD_INVALID',
  JOB_UNKNOWN: 'JOB_UNKNOWN',
  /** An explicit request's key (Idempotency-Key, review-UI form nonce) was used before for another request (409). */
  REQUEST_KEY_REUSED: 'REQUEST_KEY_REUSED',
  POLICY_DENIED: 'POLICY_DENIED',
  /** A group-targeted action would reach protected computers or groups (the whole job is refused). */
  POLICY_PROTECTED_IN_GROUP: 'POLICY_PROTECTED_IN_GROUP',
  /** A computer or group id of a containment action is unknown to SEPM, so it cannot be checked (fail closed). */
  POLICY_TARGET_UNRESOLVED: 'POLICY_TARGET_UNRESOLVED',
  // enrich
  /** Another incident is starting the same shared estate-wide scan right now (retryable: join it a moment later). */
  SCAN_SHARE_STARTING: 'SCAN_SHARE_STARTING',
  // http
  HTTP_UNAUTHORIZED: 'HTTP_UNAUTHORIZED',
  HTTP_FORBIDDEN: 'HTTP_FORBIDDEN',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface AppErrorOptions {
  /** Whether a retry could succeed (network, 5xx, 429). BullMQ handlers turn non-retryable errors into UnrecoverableError. */
  retryable?: boolean;
  /** HTTP status of the upstream answer, when there was one. */
  status?: number;
  /** Structured, non-secret details (never mail bodies, never credentials). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** One-line human text for any thrown value, for CLI output and job failure reasons. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
