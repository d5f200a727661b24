import { z } from 'zod';
import { ArtifactTypes, type RiskEvent } from '../mail/types.ts';

/**
 * Payload schemas of the two jobs between the roles: `mail` on the intake queue (a mail source → the intake
 * worker) and `incident-ready` (the intake worker → enrichment). The TypeScript types are inferred from these
 * schemas, so producer and consumer cannot drift apart. The queue dashboard lets a user add or edit either, so
 * the consumer parses every job (an invalid one fails at once, every problem listed).
 */

export const INTAKE_JOB_NAME = 'mail';
export const INCIDENT_READY_JOB_NAME = 'incident-ready';

export const intakeJobSchema = z.object({
  rawB64: z.string(),
  /** Message-ID without angle brackets, when the mail has one. */
  messageId: z.string().optional(),
  /** `mid:<Message-ID>` or `sha256:<hex>`: the identity used for the job id and SOAR's sourceMessageId. */
  identity: z.string().min(1),
  origin: z.object({
    kind: z.enum(['imap', 'spool', 'replay']),
    /** imap: the source name; spool/replay: 'spool' (one job-id namespace). */
    source: z.string(),
    mailbox: z.string().optional(),
    uidValidity: z.string().optional(),
    uid: z.number().optional(),
    /** spool/replay: the file's base name, never a server path (job data is shown on the dashboard). */
    file: z.string().optional(),
  }),
  /** Epoch ms when the producer queued it (latency measurements). */
  enqueuedAt: z.number(),
  /** Origin seal (seal.ts), added by the intake producer. */
  automationSeal: z.string().optional(),
});

const artifact = z.object({
  type: z.enum(ArtifactTypes),
  value: z.string().min(1),
  description: z.string().optional(),
});
// Events ride along for the record (the dashboard shows them); enrichment reads none of their fields.
const riskEvent = z.custom<RiskEvent>((v) => v !== null && typeof v === 'object' && !Array.isArray(v));

export const incidentReadySchema = z.object({
  incidentId: z.number().int().positive(),
  /** Optional: a job added on the dashboard names only the incident (and maybe its artifacts). */
  outcome: z.enum(['created', 'merged', 'duplicate']).optional(),
  dedupKey: z.string().optional(),
  events: z.array(riskEvent).optional(),
  /** Defaults to the incident's artifacts. */
  artifacts: z.array(artifact).optional(),
  /** Anything but a sealed `trusted` enriches as untrusted (no automatic containment). */
  senderVerdict: z.enum(['trusted', 'untrusted']).catch('untrusted'),
  messageId: z.string().optional(),
  /** HMAC over this data (src/jobs/seal.ts): enrichment trusts `senderVerdict` only with it. */
  automationSeal: z.string().optional(),
});

export type IntakeJobData = z.output<typeof intakeJobSchema>;
export type IntakeOrigin = IntakeJobData['origin'];
export type IncidentReadyData = z.input<typeof incidentReadySchema>;
export type IncidentReadyJob = z.output<typeof incidentReadySchema>;
