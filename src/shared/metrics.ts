import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process and the metrics every layer may move. Layers import the helpers below
 * (one line at the call site); `/metrics` of the web role serves the registry. Labels are bounded: mailbox and
 * queue names come from config, reasons and error codes from the errors catalog — never from mail content.
 */

export const registry = new Registry();
registry.setDefaultLabels({ service: 'sepm-intake' });
// Process CPU, memory, event-loop lag and GC: the first things to look at when intake slows down.
collectDefaultMetrics({ register: registry });

const PREFIX = 'sepm_intake_';

export const mailsSeen = new Counter({
  name: `${PREFIX}mails_seen_total`,
  help: 'Mails seen by a mail source, before the envelope filter',
  labelNames: ['mailbox'] as const,
  registers: [registry],
});

export const mailsAccepted = new Counter({
  name: `${PREFIX}mails_accepted_total`,
  help: 'Mails put on the intake queue',
  labelNames: ['mailbox'] as const,
  registers: [registry],
});

export const mailsRejected = new Counter({
  name: `${PREFIX}mails_rejected_total`,
  help: 'Mails rejected, by reason (envelope filter, size cap, sender check, not a risk notification, ...)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const parseFailures = new Counter({
  name: `${PREFIX}parse_failures_total`,
  help: 'Mails whose MIME or SEPM notification could not be parsed',
  registers: [registry],
});

export const whitelistDrops = new Counter({
  name: `${PREFIX}whitelist_drops_total`,
  help: 'Artifacts dropped by the whitelist, by rule kind',
  labelNames: ['rule'] as const,
  registers: [registry],
});

export const incidentsTotal = new Counter({
  name: `${PREFIX}incidents_total`,
  help: 'Incidents written to SOAR, by outcome (created, merged, duplicate)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const sepmLatency = new Histogram({
  name: `${PREFIX}sepm_request_duration_seconds`,
  help: 'SEPM REST call latency, seconds',
  labelNames: ['operation'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const sepmErrors = new Counter({
  name: `${PREFIX}sepm_errors_total`,
  help: 'SEPM REST call errors, by error code',
  labelNames: ['code'] as const,
  registers: [registry],
});

export const soarLatency = new Histogram({
  name: `${PREFIX}soar_request_duration_seconds`,
  help: 'SOAR call latency, seconds',
  labelNames: ['operation'] as const,
  buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const soarErrors = new Counter({
  name: `${PREFIX}soar_errors_total`,
  help: 'SOAR call errors, by error code',
  labelNames: ['code'] as const,
  registers: [registry],
});

export const imapReconnects = new Counter({
  name: `${PREFIX}imap_reconnects_total`,
  help: 'IMAP reconnects, by mailbox',
  labelNames: ['mailbox'] as const,
  registers: [registry],
});

/** Epoch ms of the last mail per mailbox; turned into an age at scrape time. */
const lastMailAt = new Map<string, number>();
export type LastMailProvider = () => { mailbox: string; lastMailAt?: number | undefined }[];
const lastMailProviders = new Set<LastMailProvider>();

/** Mail sources that keep their own last-mail time (the watchers' status) are read at scrape time. */
export function registerLastMailProvider(provider: LastMailProvider): () => void {
  lastMailProviders.add(provider);
  return () => lastMailProviders.delete(provider);
}

export const secondsSinceLastMail = new Gauge({
  name: `${PREFIX}seconds_since_last_mail`,
  help: 'Seconds since the last mail arrived, by mailbox',
  labelNames: ['mailbox'] as const,
  registers: [registry],
  collect() {
    const now = Date.now();
    for (const provider of lastMailProviders) {
      for (const { mailbox, lastMailAt: at } of provider()) {
        if (at !== undefined && at > (lastMailAt.get(mailbox) ?? 0)) lastMailAt.set(mailbox, at);
      }
    }
    for (const [mailbox, at] of lastMailAt) this.set({ mailbox }, (now - at) / 1000);
  },
});

/** Sources call this for every mail they see (accepted or not). */
export function recordMailSeen(mailbox: string, now = Date.now()): void {
  mailsSeen.inc({ mailbox });
  lastMailAt.set(mailbox, now);
}

/**
 * Envelope triage of a batch from one source: `{ accepted: 3, envelope_filter: 1, too_large: 1 }`. Every count
 * is a mail seen; `accepted` ones went to the intake queue, the other keys are reject reasons.
 */
export function recordMailTriage(mailbox: string, counts: Record<string, number>, now = Date.now()): void {
  let seen = 0;
  for (const [outcome, n] of Object.entries(counts)) {
    if (n <= 0) continue;
    seen += n;
    if (outcome === 'accepted') mailsAccepted.inc({ mailbox }, n);
    else mailsRejected.inc({ reason: outcome }, n);
  }
  if (seen > 0) {
    mailsSeen.inc({ mailbox }, seen);
    lastMailAt.set(mailbox, now);
  }
}

/** Whitelist drops of one analysed mail, by rule kind ("ips: 10.0.0.0/8" counts as "ips"). Returns its input. */
export function recordAnalysis<T extends { dropped?: readonly { rule: string }[] }>(result: T): T {
  for (const d of result.dropped ?? []) whitelistDrops.inc({ rule: /^[a-zA-Z]{1,20}/.exec(d.rule)?.[0] ?? 'other' });
  return result;
}

/** Jobs whose seal was missing, invalid, expired or replayed, by queue and reason (see jobs/seal.ts). */
export const unsealedJobs = new Counter({
  name: `${PREFIX}unsealed_jobs_total`,
  help: 'Jobs run without a valid seal (added or edited by hand, copied, or expired): never automatic or trusted',
  labelNames: ['queue', 'reason'] as const,
  registers: [registry],
});

export function recordUnsealedJob(queue: string, reason: string): void {
  unsealedJobs.inc({ queue, reason });
}

export function recordImapReconnect(mailbox: string): void {
  imapReconnects.inc({ mailbox });
}

/** A mailbox known from config starts its clock at process start so a silent mailbox shows up. */
export function registerMailbox(mailbox: string, now = Date.now()): void {
  if (!lastMailAt.has(mailbox)) lastMailAt.set(mailbox, now);
}

/**
 * A bounded operation label for an HTTP call: method + first path segment ('GET /computers'); ids and query
 * strings never become label values.
 */
export function operationLabel(method: string, path: string): string {
  // Strip the API roots (SEPM /sepm/api/v1, IBM SOAR /rest/orgs/<id>) so the first segment names the resource.
  const rest = path.replace(/^\/sepm\/api\/v[12]/, '').replace(/^\/rest(\/orgs\/\d+)?/, '');
  const first = /^\/?([A-Za-z0-9_-]{1,40})/.exec(rest)?.[1] ?? '';
  return `${method.toUpperCase()} /${first}`;
}

/** Observes the latency of an async call (errors are counted where their code is known). */
export async function observe<T>(
  histogram: Histogram<'operation'>,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const end = histogram.startTimer({ operation });
  try {
    return await call();
  } finally {
    end();
  }
}

/** Times an async call into a histogram and counts its failure by AppError code (or 'UNKNOWN'). */
export async function timed<T>(
  histogram: Histogram<'operation'>,
  errors: Counter<'code'>,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  const end = histogram.startTimer({ operation });
  try {
    return await call();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    errors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
    throw err;
  } finally {
    end();
  }
}

export type JobCountsProvider = () => Promise<Record<string, Record<string, number>>>;
const jobCountProviders = new Set<JobCountsProvider>();

/** Jobs by queue and state, read from BullMQ when Prometheus scrapes (so every process sees the same numbers). */
export const jobsGauge = new Gauge({
  name: `${PREFIX}jobs`,
  help: 'BullMQ jobs by queue and state, read at scrape time',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const provider of jobCountProviders) {
      const counts = await provider();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
      }
    }
  },
});

/** Returns an unregister function (the web server removes its provider on close). */
export function registerJobCounts(provider: JobCountsProvider): () => void {
  jobCountProviders.add(provider);
  return () => jobCountProviders.delete(provider);
}
