import { request, type Dispatcher } from 'undici';
import { OAUTH2_TOKEN_URLS, type ImapSourceConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { buildTlsDispatcher } from '../../shared/http/tls-dispatcher.ts';
import { createMsalTokenProvider } from './oauth2-msal.ts';
import type { TokenProvider } from './token-provider.ts';

type OAuth2Config = NonNullable<ImapSourceConfig['oauth2']>;

/** Default scope of Exchange Online IMAP for app-only (client credentials) access. */
const MICROSOFT_IMAP_SCOPE = 'https://outlook.office365.com/.default';
/** Renew this long before expiry, ms; at most half the lifetime, so short-lived tokens are still used. */
const EXPIRY_MARGIN_MS = 60_000;
/** Lifetime assumed when the endpoint gives no expires_in, s (Google and Microsoft issue one-hour tokens). */
const DEFAULT_LIFETIME_SEC = 3600;
/** Token answer cap, bytes: a token endpoint answer is a small JSON document. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Deadline of one token request, ms. */
const REQUEST_TIMEOUT_MS = 15_000;

export function tokenUrlOf(o: OAuth2Config): string {
  if (o.tokenUrl) return o.tokenUrl;
  if (o.provider === 'google') return OAUTH2_TOKEN_URLS.google;
  return OAUTH2_TOKEN_URLS.microsoft.replace('{tenantId}', encodeURIComponent(o.tenantId ?? ''));
}

export function tokenRequestBody(o: OAuth2Config, refreshToken: string | undefined): URLSearchParams {
  const body = new URLSearchParams({ grant_type: o.flow, client_id: o.clientId });
  if (o.clientSecret) body.set('client_secret', o.clientSecret);
  if (o.flow === 'refresh_token') body.set('refresh_token', refreshToken ?? '');
  const scope = o.scope ?? (o.provider === 'microsoft' && o.flow === 'client_credentials' ? MICROSOFT_IMAP_SCOPE : '');
  if (scope) body.set('scope', scope);
  return body;
}

export function createTokenProvider(
  sourceName: string,
  o: OAuth2Config,
  now: () => number = Date.now,
  dispatcher: Dispatcher = buildTlsDispatcher({ configKey: `mail.imap.${sourceName}.oauth2`, caBundle: o.caBundle }),
): TokenProvider {
  // Microsoft 365 app-only access goes through MSAL; an explicit tokenUrl (another cloud, a test) stays generic.
  if (o.provider === 'microsoft' && o.flow === 'client_credentials' && !o.tokenUrl) {
    return createMsalTokenProvider(sourceName, o, dispatcher);
  }
  const url = tokenUrlOf(o);
  let current: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  // A server may rotate the refresh token with each use (RFC 6749 §6): the newest one is the one to send.
  let refreshToken = o.refreshToken;
  const fetchToken = async (): Promise<string> => {
    const answer = await postForm(url, tokenRequestBody(o, refreshToken), dispatcher, sourceName);
    const issuedAt = now();
    const lifetimeMs = (answer.expires_in ?? DEFAULT_LIFETIME_SEC) * 1000;
    current = {
      token: answer.access_token,
      renewAt: issuedAt + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2),
    };
    if (answer.refresh_token) refreshToken = answer.refresh_token;
    return answer.access_token;
  };
  return {
    token: () => {
      if (current && now() < current.renewAt) return Promise.resolve(current.token);
      inFlight ??= fetchToken().finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate: () => {
      current = undefined;
    },
  };
}

interface TokenAnswer {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
}

async function postForm(
  url: string,
  body: URLSearchParams,
  dispatcher: Dispatcher,
  source: string,
): Promise<TokenAnswer> {
  const fail = (why: string, retryable: boolean, cause?: unknown): AppError =>
    new AppError(ErrorCodes.IMAP_TOKEN_FAILED, `imap source ${source}: token endpoint ${url}: ${why}`, {
      retryable,
      ...(cause === undefined ? {} : { cause }),
    });
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  } catch (err) {
    throw fail((err as Error).message, true, err);
  }
  const text = await readCapped(res.body, MAX_ANSWER_BYTES);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: reported below with the status.
  }
  if (res.statusCode !== 200 || typeof json.access_token !== 'string' || json.access_token === '') {
    // RFC 6749 §5.2: error and error_description say why (never the token itself: this is the failure answer).
    const why = [json.error, json.error_description].filter((v) => typeof v === 'string').join(': ');
    throw fail(`HTTP ${res.statusCode}${why ? ` ${why}` : ''}`, res.statusCode >= 500 || res.statusCode === 429);
  }
  const expires = Number(json.expires_in);
  return {
    access_token: json.access_token,
    ...(Number.isFinite(expires) && expires > 0 ? { expires_in: expires } : {}),
    ...(typeof json.refresh_token === 'string' && json.refresh_token ? { refresh_token: json.refresh_token } : {}),
  };
}

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > max) {
      body.destroy();
      break;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
