import { isIP } from 'node:net';
import { z } from 'zod';
import { isLoopbackHost } from './loopback.ts';
import { secret, tlsSchema } from './schema-common.ts';
import { mailSchema, type imapSourceSchema } from './schema-mail.ts';

export {
  DEFAULT_SUBJECT_PATTERNS,
  OAUTH2_TOKEN_URLS,
  imapSourceSchema,
  mailSchema,
  oauth2Schema,
} from './schema-mail.ts';
import { severitySchema } from './severity.ts';

/**
 * The whole configuration as one zod schema. Every key has a default that runs the service standalone
 * ("embedded defaults"; SEPM: `sepm.host`, or the demo by name); docs/configuration.md documents each key. Secret keys may instead be given as
 * `<key>File` (a path whose content is the secret) or through the environment (see ENV_KEYS in load.ts).
 */

export const sepmSchema = z
  .object({
    /** live = the SEPM at `host`; simulator = the built-in demo SEPM on loopback (see config/sepm-mode.ts). */
    mode: z.enum(['live', 'simulator']).default('live'),
    /** SEPM host name or IP; required in live mode by the roles that talk to SEPM. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(8446),
    /** http is only for a simulator on loopback (refused for any other host); production SEPM is always https. */
    protocol: z.enum(['https', 'http']).default('https'),
    basePath: z.string().default('/sepm/api/v1'),
    authPath: z.string().default('/sepm/api/v1/identity/authenticate'),
    username: z.string().default(''),
    password: secret,
    /** SEPM domain *name* for login ("" or "Default" = default domain). */
    domain: z.string().default(''),
    ...tlsSchema,
    /** Scan-match rows written to the data table before the rest goes to a CSV attachment. */
    resultsLimit: z.number().int().min(1).default(200),
    /** Seconds after which a non-terminal command is reported "Timedout". */
    scanTimeoutSec: z.number().int().min(1).default(1800),
    /** Per-request timeout, ms. */
    requestTimeoutMs: z.number().int().min(100).default(30_000),
    /** Re-login this many seconds before tokenExpiration. */
    tokenRefreshMarginSec: z.number().int().min(0).default(60),
    /** Page size used when the client reads all pages (SEPM default is 20). */
    pageSize: z.number().int().min(1).max(1000).default(500),
    /** Concurrent HTTP requests to SEPM per process. */
    maxConcurrency: z.number().int().min(1).max(64).default(4),
    /** How ID lists go in the query: repeated keys (as IBM) or one comma-joined value. */
    idListStyle: z.enum(['repeat', 'comma']).default('repeat'),
    /** First delay between command-status polls, seconds (doubles up to pollMaxIntervalSec). */
    pollIntervalSec: z.number().min(0.01).default(10),
    pollMaxIntervalSec: z.number().min(0.01).default(120),
    /** A client that has not checked in for this long counts as out of date, seconds. */
    outOfDateAfterSec: z.number().int().min(1).default(900),
    /** Largest file accepted from GET /command-queue/file/{id}/content, bytes. */
    maxFileBytes: z
      .number()
      .int()
      .min(1)
      .default(100 * 1024 * 1024),
  })
  .strict()
  .refine((c) => c.protocol === 'https' || !c.host || isLoopbackHost(c.host), {
    path: ['protocol'],
    message: 'http is accepted only for a loopback host (localhost, 127.0.0.0/8, ::1); SEPM must be reached over https',
  });

export const senderAuthSchema = z
  .object({
    /** Addresses SEPM sends from (case-insensitive, `*@domain` allowed). Empty = no address check. */
    allowedSenders: z.array(z.string().min(1)).default([]),
    /** authserv-id of our own MTA; only Authentication-Results headers with it are believed. */
    trustedAuthservIds: z.array(z.string().min(1)).default([]),
    /** Require these results in a trusted Authentication-Results header. */
    requireSpf: z.boolean().default(false),
    requireDkim: z.boolean().default(false),
    requireDmarc: z.boolean().default(false),
    /** IPs/CIDRs or host names of SEPM and relays; when set, the Received chain must show one of them. */
    trustedRelays: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const whitelistSchema = z
  .object({
    /** IPv4/IPv6 addresses, CIDRs and a-b ranges. */
    ips: z.array(z.string()).default([]),
    /** Domain patterns: example.com, *.example.com. */
    domains: z.array(z.string()).default([]),
    /** Exact host names (case-insensitive). */
    hosts: z.array(z.string()).default([]),
    /** Risk-name globs. */
    riskNames: z.array(z.string()).default([]),
    /** File-path globs (case-insensitive, \ and / equivalent). */
    paths: z.array(z.string()).default([]),
    /** User-account globs. */
    users: z.array(z.string()).default([]),
  })
  .strict();

const actionPolicy = z
  .object({
    /** Run this action automatically (never for untrusted mail or protected targets). */
    auto: z.boolean().default(false),
    /** Upper bound of automatic runs per hour across all workers. */
    hourlyCap: z.number().int().min(0).default(10),
  })
  .strict();
const defaultAction = { auto: false, hourlyCap: 10 };

export const policySchema = z
  .object({
    dryRun: z.boolean().default(false),
    actions: z
      .object({
        quarantine: actionPolicy.default(defaultAction),
        remediate: actionPolicy.default(defaultAction),
        blacklist: actionPolicy.default(defaultAction),
        lockdown: actionPolicy.default(defaultAction),
        move: actionPolicy.default(defaultAction),
      })
      .strict()
      .default({
        quarantine: defaultAction,
        remediate: defaultAction,
        blacklist: defaultAction,
        lockdown: defaultAction,
        move: defaultAction,
      }),
    protected: z
      .object({
        hosts: z.array(z.string()).default([]),
        groups: z.array(z.string()).default([]),
        ips: z.array(z.string()).default([]),
      })
      .strict()
      .default({ hosts: [], groups: [], ips: [] }),
  })
  .strict();

export const soarSchema = z
  .object({
    /** embedded = SQLite file (one host); postgres = shared PostgreSQL (any number of hosts); ibm = IBM QRadar SOAR. */
    kind: z.enum(['embedded', 'ibm', 'postgres']).default('embedded'),
    /** Repeats within this window (hours) merge into the open incident. */
    mergeWindowHours: z.number().min(0).default(24),
    /** Rules that raise severity from what happened (risk family, spread, servers …); see config/severity.ts. */
    severity: severitySchema.default(() => severitySchema.parse({})),
    embedded: z
      .object({ path: z.string().default('var/incidents.db') })
      .strict()
      .default({ path: 'var/incidents.db' }),
    postgres: z
      .object({
        /** postgres://user:password@host:5432/db — a secret (urlFile, SEPM_INTAKE_SOAR_POSTGRES_URL[_FILE]). */
        url: z
          .string()
          .min(1)
          .refine((u) => /^postgres(ql)?:\/\//i.test(u), 'must be a postgres:// or postgresql:// URL')
          .optional(),
        /** Schema holding the tables (created when missing); several deployments may share one database. */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _ (at most 63)')
          .default('public'),
        /** PEM file with the CA(s) that sign the server certificate; TLS is then on and verified. */
        caBundle: z.string().optional(),
        /** Connections per process (each role process has its own pool). */
        poolSize: z.number().int().min(1).max(100).default(10),
        /** Connecting, ms. */
        connectTimeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .optional(),
    ibm: z
      .object({
        /** https only: the API key crosses this connection. */
        url: z
          .string()
          .url()
          .refine((u) => u.toLowerCase().startsWith('https://'), 'must be an https:// URL (TLS cannot be turned off)'),
        org: z.string().min(1),
        apiKeyId: z.string().optional(),
        apiKeySecret: secret,
        username: z.string().optional(),
        password: secret,
        /** Incident custom field (API name) holding the dedup key. */
        dedupField: z.string().default('sepm_alert_key'),
        timeoutMs: z.number().int().min(100).default(30_000),
        ...tlsSchema,
      })
      .strict()
      .optional(),
  })
  .strict();

export const enrichSchema = z
  .object({
    auto: z
      .object({
        endpointDetails: z.boolean().default(true),
        eocScan: z.boolean().default(true),
        blacklistLookup: z.boolean().default(true),
      })
      .strict()
      .default({ endpointDetails: true, eocScan: true, blacklistLookup: true }),
    /** Fingerprint list used for hash blacklisting. */
    blacklistName: z.string().default('sepm-intake-blacklist'),
    /**
     * delete-hash-from-blacklist on a list's last hash: false (default, as fn_sep) deletes the list; true keeps
     * the empty list (its id and lock-down assignments stay).
     */
    keepEmptyBlacklist: z.boolean().default(false),
    /** SEPM domain name used to resolve domainId for fingerprint lists. */
    domainName: z.string().default('Default'),
    /**
     * Window (s) from the first automatic request in which the same automatic work (job, incident, target) is one
     * job (jobs/dedup.ts). Explicit analyst/API requests are never deduplicated by it.
     */
    dedupWindowSec: z.number().int().min(0).default(3600),
  })
  .strict();

/** A trustProxy entry as proxy-addr reads it: an IP, an IP/prefix CIDR, or one of its named ranges. */
function isProxyAddress(v: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(v)) return true;
  const [addr = '', bits, extra] = v.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const httpUserSchema = z
  .object({
    name: z.string().min(1),
    /** scrypt hash produced by `sepm-intake hash-password`. */
    passwordHash: z.string().optional(),
    passwordHashFile: z.string().optional(),
    role: z.enum(['readonly', 'operator']).default('readonly'),
  })
  .strict();

export const httpSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    users: z.array(httpUserSchema).default([]),
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1),
            token: secret,
            tokenFile: z.string().optional(),
            role: z.enum(['readonly', 'operator']),
          })
          .strict(),
      )
      .default([]),
    /** Failed logins allowed per client IP and user name per minute (a correct password is never refused). */
    loginRateLimitPerMin: z.number().int().min(1).default(10),
    /**
     * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses or CIDRs (or proxy-addr's
     * `loopback`, `linklocal`, `uniquelocal`). false: the socket's peer is the client and the protocol is its own.
     */
    trustProxy: z
      .union([
        z.literal(false),
        z.array(z.string().refine(isProxyAddress, 'IP, CIDR or loopback|linklocal|uniquelocal')).min(1),
      ])
      .default(false),
    /** Session cookies always carry Secure (set when TLS ends at a proxy not listed in trustProxy). */
    secureCookies: z.boolean().default(false),
    /** Whole request, headers and body, in seconds: a client trickling its body is cut off after this. */
    requestTimeoutSec: z.number().positive().max(3600).default(30),
    /** Request headers complete within this many seconds (at most requestTimeoutSec). */
    headersTimeoutSec: z.number().positive().max(3600).default(10),
    /** A socket with no traffic for this many seconds is closed. */
    connectionTimeoutSec: z.number().positive().max(3600).default(60),
    /** An idle keep-alive connection is closed after this many seconds. */
    keepAliveTimeoutSec: z.number().positive().max(3600).default(5),
    /** Browser sessions kept at most; a login beyond this ends the least recently used one. */
    maxSessions: z.number().int().min(1).default(10_000),
  })
  .strict()
  .refine((h) => h.headersTimeoutSec <= h.requestTimeoutSec, {
    message: 'headersTimeoutSec must not exceed requestTimeoutSec',
    path: ['headersTimeoutSec'],
  });

/**
 * The ops listener of a process without the web role (docs/operations.md "What to scrape"): /healthz, /readyz and
 * /metrics, unauthenticated, so loopback by default. Unset port: no listener (a warning says so); 0: any free port.
 */
export const opsSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z.string().default('redis://127.0.0.1:6379'),
        prefix: z.string().min(1).default('sepm-intake'),
        /** PEM file of the CA(s) that signed the Redis server certificate (`rediss://`; verification stays on). */
        caBundle: z.string().optional(),
        /** PEM client certificate and its key for Redis servers that require one (`tls-auth-clients yes`). */
        clientCert: z.string().optional(),
        clientKey: z.string().optional(),
      })
      .strict()
      .default({ url: 'redis://127.0.0.1:6379', prefix: 'sepm-intake' }),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    sepm: sepmSchema.default(() => sepmSchema.parse({})),
    mail: mailSchema.default(() => mailSchema.parse({})),
    senderAuth: senderAuthSchema.default(() => senderAuthSchema.parse({})),
    whitelist: whitelistSchema.default(() => whitelistSchema.parse({})),
    policy: policySchema.default(() => policySchema.parse({})),
    soar: soarSchema.default(() => soarSchema.parse({})),
    enrich: enrichSchema.default(() => enrichSchema.parse({})),
    http: httpSchema.default(() => httpSchema.parse({})),
    ops: opsSchema.default(() => opsSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type SepmConfig = z.infer<typeof sepmSchema>;
export type ImapSourceConfig = z.infer<typeof imapSourceSchema>;
export type MailConfig = z.infer<typeof mailSchema>;
export type SenderAuthConfig = z.infer<typeof senderAuthSchema>;
export type WhitelistConfig = z.infer<typeof whitelistSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type SoarConfig = z.infer<typeof soarSchema>;
export type { SeverityConfig, SeverityRuleConfig } from './severity.ts';
export type EnrichConfig = z.infer<typeof enrichSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;
export type OpsConfig = z.infer<typeof opsSchema>;
