import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';
import type { ImapSourceConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { TokenProvider } from './token-provider.ts';

type OAuth2Config = NonNullable<ImapSourceConfig['oauth2']>;

/** Microsoft Entra's public cloud; msal-node knows its instance metadata without asking. */
const AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Answer cap for Entra's JSON answers (token, openid-configuration), bytes. */
const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * Microsoft 365 app-only access (client credentials) through @azure/msal-node: MSAL caches the token and renews it
 * before expiry (its own margin, 5 min), so each connection asks it and gets a valid one; invalidate() makes the
 * next request skip the cache. MSAL's HTTP goes through our dispatcher (CA bundle, certificate checks on).
 */
export function createMsalTokenProvider(sourceName: string, o: OAuth2Config, dispatcher: Dispatcher): TokenProvider {
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: o.clientId,
      clientSecret: o.clientSecret ?? '',
      authority: `${AUTHORITY_HOST}/${encodeURIComponent(o.tenantId ?? '')}`,
    },
    system: { networkClient: undiciNetworkClient(dispatcher) },
  });
  const scopes = (o.scope ?? 'https://outlook.office365.com/.default').split(/\s+/).filter(Boolean);
  let skipCache = false;
  return {
    token: async () => {
      try {
        const r = await app.acquireTokenByClientCredential({ scopes, skipCache });
        if (!r?.accessToken) throw new Error('no access token in the answer');
        skipCache = false;
        return r.accessToken;
      } catch (err) {
        const e = err as { errorCode?: string; errorMessage?: string; message?: string };
        const why = [e.errorCode, (e.errorMessage ?? e.message ?? '').split('\n')[0]].filter(Boolean).join(': ');
        throw new AppError(ErrorCodes.IMAP_TOKEN_FAILED, `imap source ${sourceName}: Microsoft Entra token: ${why}`, {
          retryable: true,
          cause: err,
        });
      }
    },
    invalidate: () => {
      skipCache = true;
    },
  };
}

/** MSAL's network port on undici, so the TLS settings of the one dispatcher builder apply. */
export function undiciNetworkClient(dispatcher: Dispatcher): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeoutMs = 15_000,
  ): Promise<NetworkResponse<T>> => {
    const res = await request(url, {
      method,
      dispatcher,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (text.length > MAX_ANSWER_BYTES) throw new Error(`answer of ${text.length} bytes from ${url} refused`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    // MSAL reads the JSON answer (including error answers) as its typed body.
    const body: T = text ? JSON.parse(text) : {};
    return { status: res.statusCode, headers, body };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
