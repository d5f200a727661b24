import { z } from 'zod';
import { isLoopbackHost } from './loopback.ts';
import { secret } from './schema-common.ts';

/** The `mail` section of the configuration (mail sources, OAuth2, the envelope filter); schema.ts composes it. */

/**
 * No subject pre-filter by default: SEPM subjects are admin-customisable (docs/reference/sepm-notifications.md §5),
 * so every mail from an allowed sender is parsed and its body template decides; non-risk mail is `not_risk`.
 */
export const DEFAULT_SUBJECT_PATTERNS: string[] = [];

/** Token endpoints of the named providers; `generic` needs `tokenUrl`. */
export const OAUTH2_TOKEN_URLS = {
  google: 'https://oauth2.googleapis.com/token',
  microsoft: 'https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token',
} as const;

export const oauth2Schema = z
  .object({
    /** client_credentials (Microsoft 365 app-only) or refresh_token (Gmail, any OAuth2 server). */
    flow: z.enum(['client_credentials', 'refresh_token']),
    provider: z.enum(['microsoft', 'google', 'generic']).default('generic'),
    /** Token endpoint; defaults per provider (microsoft from tenantId). https, or http to a loopback host. */
    tokenUrl: z.string().url().optional(),
    /** Microsoft Entra tenant (id or domain), for provider microsoft. */
    tenantId: z.string().min(1).optional(),
    clientId: z.string().min(1),
    clientSecret: secret,
    refreshToken: secret,
    /** Space-separated scopes; microsoft defaults to https://outlook.office365.com/.default. */
    scope: z.string().optional(),
    /** PEM file with extra CA(s) for the token endpoint. */
    caBundle: z.string().optional(),
  })
  .strict()
  .refine((o) => o.flow !== 'refresh_token' || o.refreshToken, {
    path: ['refreshToken'],
    message: 'the refresh_token flow needs refreshToken (or refreshTokenFile)',
  })
  .refine((o) => o.flow !== 'client_credentials' || o.clientSecret, {
    path: ['clientSecret'],
    message: 'the client_credentials flow needs clientSecret (or clientSecretFile)',
  })
  .refine((o) => o.provider !== 'generic' || o.tokenUrl, {
    path: ['tokenUrl'],
    message: 'provider generic needs tokenUrl',
  })
  .refine((o) => o.provider !== 'microsoft' || o.tokenUrl || o.tenantId, {
    path: ['tenantId'],
    message: 'provider microsoft needs tenantId (or tokenUrl)',
  })
  .refine((o) => !o.tokenUrl || o.tokenUrl.startsWith('https:') || isLoopbackHost(new URL(o.tokenUrl).hostname), {
    path: ['tokenUrl'],
    message: 'must be https (http only to a loopback host)',
  });

export const imapSourceSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(993),
    /** true = implicit TLS (993); false = plain connection upgraded with STARTTLS when the server offers it. */
    secure: z.boolean().default(true),
    /** Refuse to log in without TLS (STARTTLS required when secure is false); false only for a loopback host. */
    requireTls: z.boolean().default(true),
    user: z.string().min(1),
    password: secret,
    /** A fixed OAuth2 access token (XOAUTH2/OAUTHBEARER) instead of a password; expires, prefer oauth2. */
    accessToken: secret,
    /** OAuth2 that refreshes: a fresh access token for every connection (see docs/configuration.md). */
    oauth2: oauth2Schema.optional(),
    mailbox: z.string().default('INBOX'),
    caBundle: z.string().optional(),
    /** Mark processed mail \Seen. */
    markSeen: z.boolean().default(true),
    /** Move processed mail here (created if missing); unset = leave in place. */
    processedFolder: z.string().optional(),
    /** Over-size or unreadable mail is moved here with the reason recorded. */
    quarantineFolder: z.string().default('sepm-intake-quarantine'),
    /** Mail that does not pass the filter is moved here; unset = left alone. */
    ignoredFolder: z.string().optional(),
    /**
     * Expunge mail this service queued (keyword `$SepmIntakeQueued`) once its delivery date is this many days old,
     * in `processedFolder` when set, else in `mailbox`; checked at most hourly. Unset (default) = never delete.
     */
    deleteProcessedAfterDays: z.number().int().min(1).optional(),
    /** Warn when no mail arrived for this many hours. */
    noMailWarnHours: z.number().min(0).default(24),
    /** Re-issue IDLE / NOOP this often so a dead connection is noticed, seconds. */
    idleRefreshSec: z.number().int().min(5).default(240),
    /**
     * While in IDLE, also ask with NOOP this often, ms (0 = trust IDLE alone). Servers that send no untagged
     * EXISTS promptly inside IDLE (Cyrus without idled looks every 60 s) answer a NOOP with new mail at once.
     */
    idlePollMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict()
  .refine((c) => c.secure || c.requireTls || isLoopbackHost(c.host), {
    path: ['requireTls'],
    message: 'false is accepted only for a loopback host (localhost, 127.0.0.0/8, ::1): use secure or STARTTLS',
  });

export const mailSchema = z
  .object({
    filter: z
      .object({
        /** Envelope From addresses accepted (case-insensitive; `*@domain` allowed). Empty = any sender. */
        allowedSenders: z.array(z.string().min(1)).default([]),
        /**
         * Optional subject pre-filter: substrings (case-insensitive) or /regex/ strings; mail matching none is
         * `subject_not_matched`. Empty (default) = any subject: the body decides.
         */
        subjectPatterns: z.array(z.string().min(1)).default(DEFAULT_SUBJECT_PATTERNS),
        /** Raw size cap in bytes, applied before MIME parsing. */
        maxRawBytes: z
          .number()
          .int()
          .min(1024)
          .default(10 * 1024 * 1024),
      })
      .strict()
      .default({ allowedSenders: [], subjectPatterns: DEFAULT_SUBJECT_PATTERNS, maxRawBytes: 10 * 1024 * 1024 }),
    spool: z
      .object({
        enabled: z.boolean().default(true),
        dir: z.string().default('var/inbox'),
        /** Poll interval for new files, ms (fs.watch is used too; polling is the safety net). */
        pollMs: z.number().int().min(50).default(1000),
      })
      .strict()
      .default({ enabled: true, dir: 'var/inbox', pollMs: 1000 }),
    imap: z.array(imapSourceSchema).default([]),
    /** Time zone of dates without one in SEPM mails (IANA name). */
    timeZone: z.string().default('UTC'),
  })
  .strict();
