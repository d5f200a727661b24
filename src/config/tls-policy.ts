import { AppError, ErrorCodes } from '../shared/errors.ts';
import type { Config } from './schema.ts';

/**
 * TLS is never switched off silently. Plain-text connections are accepted only to loopback (the in-process
 * simulators, a local test server), where nothing crosses a network; each is logged at start. Certificate
 * verification cannot be turned off at all: a custom CA bundle (`caBundle`) is the supported way to trust a
 * self-signed or private-CA server.
 */

/** Refuses to start when the environment disables certificate verification for the whole process. */
export function assertTlsVerificationOn(env: NodeJS.ProcessEnv = process.env): void {
  const v = env.NODE_TLS_REJECT_UNAUTHORIZED;
  if (v === undefined || v === '1') return;
  throw new AppError(
    ErrorCodes.CONFIG_INVALID,
    `NODE_TLS_REJECT_UNAUTHORIZED=${JSON.stringify(v)} is set: it would turn off certificate verification for ` +
      'every connection (SEPM, SOAR, IMAP). Unset it; trust a self-signed or private-CA server with its ' +
      'caBundle setting instead.',
  );
}

/** One line per plain-text connection the config allows (loopback only, see the schema), logged at start. */
export function plainTextWarnings(config: Config): string[] {
  const out: string[] = [];
  if (config.sepm.host && config.sepm.protocol === 'http') {
    out.push(`sepm.protocol is http: SEPM at ${config.sepm.host} (loopback) is reached without TLS`);
  }
  for (const src of config.mail.imap) {
    if (!src.secure && !src.requireTls) {
      out.push(`mail.imap ${src.name}: requireTls is false: ${src.host} (loopback) may be logged in to without TLS`);
    }
  }
  return out;
}
