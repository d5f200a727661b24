import { readFileSync } from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ImapSourceConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';

/**
 * Builds one ImapFlow client for a mailbox source (a fresh one per connection attempt: ImapFlow clients are not
 * reusable after close). TLS verification stays on; a CA bundle is how self-signed servers are trusted.
 * secure:false + requireTls → STARTTLS is mandatory (doSTARTTLS: true), so credentials never cross in clear.
 */
export function imapClientOptions(
  src: ImapSourceConfig,
  readText = (p: string) => readFileSync(p, 'utf8'),
  /** A fresh OAuth2 access token for this connection (from the source's token provider, oauth2.ts). */
  oauthToken?: string,
): ImapFlowOptions {
  const accessToken = oauthToken ?? src.accessToken;
  if (!src.password && !accessToken) {
    throw new AppError(ErrorCodes.IMAP_AUTH_FAILED, `imap source ${src.name}: set password, accessToken or oauth2`);
  }
  let ca: string | undefined;
  if (src.caBundle) {
    try {
      ca = readText(src.caBundle);
    } catch (err) {
      throw new AppError(
        ErrorCodes.IMAP_CONNECT_FAILED,
        `imap source ${src.name}: cannot read caBundle ${src.caBundle}`,
        {
          cause: err,
        },
      );
    }
  }
  // imapflow prefers OAUTHBEARER and falls back to XOAUTH2, whichever the server offers.
  const auth = accessToken ? { user: src.user, accessToken } : { user: src.user, pass: src.password as string };
  return {
    host: src.host,
    port: src.port,
    secure: src.secure,
    ...(src.secure ? {} : { doSTARTTLS: src.requireTls ? true : undefined }),
    auth,
    tls: { ...(ca ? { ca } : {}), servername: isIp(src.host) ? undefined : src.host },
    logger: process.env.DEBUG_IMAP ? undefined : false,
    // We run IDLE ourselves so new mail is noticed at once (auto-IDLE only starts after 15 s of inactivity).
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    // Longer than the IDLE refresh, so only a really dead socket trips it.
    socketTimeout: Math.max(5 * 60_000, (src.idleRefreshSec + 60) * 1000),
    clientInfo: { name: 'sepm-intake' },
  };
}

export function createImapClient(src: ImapSourceConfig, oauthToken?: string): ImapFlow {
  return new ImapFlow(imapClientOptions(src, undefined, oauthToken));
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Maps imapflow failures onto our catalog so logs and status show a stable code and the server's own words. */
export function toImapError(err: unknown, sourceName: string): AppError {
  if (err instanceof AppError) return err;
  const e = err as ImapflowErrorFields | undefined;
  const said = serverSaid(e);
  if (e?.authenticationFailed) {
    return new AppError(
      ErrorCodes.IMAP_AUTH_FAILED,
      `imap source ${sourceName}: authentication failed${said ? `: ${said}` : ''}`,
      { cause: err },
    );
  }
  // imapflow's message for a NO/BAD answer is only "Command failed"; the server's text says why.
  const base = e?.message ?? String(err);
  return new AppError(
    ErrorCodes.IMAP_CONNECT_FAILED,
    `imap source ${sourceName}: ${said ? `${base}: ${said}` : base}${e?.code ? ` (${e.code})` : ''}`,
    { retryable: true, cause: err },
  );
}

interface ImapflowErrorFields {
  authenticationFailed?: boolean;
  message?: string;
  code?: string;
  responseStatus?: string;
  responseText?: string;
  serverResponseCode?: string;
  executedCommand?: string;
}

/**
 * "CREATE → NO [CODE] text" from the fields imapflow sets on a tagged NO/BAD/BYE. Only the command's verb is
 * taken from executedCommand: its arguments may be credentials (LOGIN).
 */
function serverSaid(e: ImapflowErrorFields | undefined): string {
  if (!e?.responseStatus && !e?.responseText) return '';
  const verb = /^\S+\s+([A-Za-z]+)/.exec(e.executedCommand ?? '')?.[1]?.toUpperCase();
  const code = e.serverResponseCode ? `[${e.serverResponseCode}] ` : '';
  const answer = `${e.responseStatus ?? ''} ${code}${e.responseText ?? ''}`.trim();
  return verb ? `${verb} → ${answer}` : answer;
}
