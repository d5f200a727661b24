import { readFileSync } from 'node:fs';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { AppError, ErrorCodes } from '../errors.ts';

/**
 * The one builder of outbound HTTPS dispatchers (SEPM REST, IBM SOAR): certificate verification always on — a CA
 * bundle adds trust, nothing here can switch it off — optional client certificate, optional proxy. A PEM that cannot
 * be read is a CONFIG_FILE_UNREADABLE naming the config key, never a raw ENOENT.
 */

export interface TlsDispatcherOptions {
  /** Config key prefix used in error messages, e.g. 'sepm' or 'soar.ibm'. */
  configKey: string;
  caBundle?: string | undefined;
  clientCert?: string | undefined;
  clientKey?: string | undefined;
  proxy?: string | undefined;
  /** Connection cap per origin; undefined = undici's default (unbounded). */
  connections?: number | undefined;
}

function readPem(path: string | undefined, key: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(ErrorCodes.CONFIG_FILE_UNREADABLE, `cannot read ${key} ${path}: ${(err as Error).message}`, {
      retryable: false,
      details: { key },
    });
  }
}

export function buildTlsDispatcher(o: TlsDispatcherOptions): Dispatcher {
  const tls: { ca?: string; cert?: string; key?: string } = {};
  const ca = readPem(o.caBundle, `${o.configKey}.caBundle`);
  const cert = readPem(o.clientCert, `${o.configKey}.clientCert`);
  const key = readPem(o.clientKey, `${o.configKey}.clientKey`);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const limits = o.connections === undefined ? {} : { connections: o.connections };
  if (o.proxy) return new ProxyAgent({ uri: o.proxy, requestTls: tls, ...limits });
  return new Agent({ connect: tls, ...limits });
}
