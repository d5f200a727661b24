import { z } from 'zod';
import { ArtifactTypes } from '../mail/types.ts';

/**
 * Payload schemas of the playbook jobs (the fn_sep workflows, docs/reference/sep-functions.md §7 Playbook derivations). Every payload names the
 * incident it writes back to. Payloads can come from the queue dashboard, so they are strict (unknown keys are
 * reported) and every string is trimmed and bounded.
 */

const incidentId = z.coerce.number().int().positive();
const text = (max = 1024) => z.string().trim().min(1).max(max);
const rowId = z.coerce.number().int().positive();

const hex = (len: number, label: string) =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), `must be ${len} hex digits (${label})`)
    .transform((v) => v.toUpperCase());

/** MD5 or SHA-256 (fingerprint lists accept no other kind). */
export const listHash = z
  .string()
  .trim()
  .regex(/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/, 'must be an MD5 (32 hex) or SHA-256 (64 hex) hash')
  .transform((v) => v.toUpperCase());

export const hostArtifact = z.object({
  type: z.enum([ArtifactTypes.systemName, ArtifactTypes.dnsName, ArtifactTypes.ipAddress]),
  value: text(255),
});

export const fileArtifact = z.object({
  type: z.enum([
    ArtifactTypes.filePath,
    ArtifactTypes.fileName,
    ArtifactTypes.md5,
    ArtifactTypes.sha1,
    ArtifactTypes.sha256,
  ]),
  value: text(),
});

const anyArtifact = z.object({ type: z.enum(Object.values(ArtifactTypes) as [string, ...string[]]), value: text() });

/** A computer named by name (or DNS name / IP), by uniqueId, or by hardware key. */
const target = {
  computer: text(255).optional(),
  computerId: z
    .string()
    .trim()
    .regex(/^[0-9A-Fa-f]{32}$/, 'a 32-hex uniqueId')
    .optional(),
  hardwareKey: z
    .string()
    .trim()
    .regex(/^[0-9A-Fa-f]{32}$/, 'a 32-hex hardware key')
    .optional(),
};
const needsTarget = (v: { computer?: string; computerId?: string; hardwareKey?: string }) =>
  Boolean(v.computer ?? v.computerId ?? v.hardwareKey);
const targetMessage = { message: 'one of computer, computerId or hardwareKey is required' };

const scanType = z.enum(['QUICK', 'FULL']).default('QUICK');

export const playbookSchemas = {
  'endpoint-details': z.object({ incidentId, artifact: hostArtifact, artifactId: rowId.optional() }).strict(),
  'endpoint-details-from-scan-row': z.object({ incidentId, rowId }).strict(),
  'eoc-scan-artifact': z
    .object({ incidentId, artifact: fileArtifact, artifactId: rowId.optional(), scanType })
    .strict(),
  'get-scan-results': z.object({ incidentId, commandId: text(64) }).strict(),
  'remediate-artifact': z
    .object({
      incidentId,
      /** A sep_eoc_scan_results row: remediate that file on that endpoint. */
      rowId: rowId.optional(),
      /** Or a hash artifact: remediate it on all matching endpoints. */
      artifact: fileArtifact.optional(),
      filePath: text().optional(),
      /** With artifact: only on this computer (name, DNS name or IP); default all unprotected endpoints. */
      computer: text(255).optional(),
      scanType,
    })
    .strict()
    .refine((v) => (v.rowId === undefined) !== (v.artifact === undefined), {
      message: 'give either rowId (a scan-result row) or artifact (a hash)',
    }),
  'upload-file-playbook': z
    .object({
      incidentId,
      rowId: rowId.optional(),
      filePath: text().optional(),
      computerId: target.computerId,
      sha256: hex(64, 'SHA-256').optional(),
      source: z.enum(['FILESYSTEM', 'QUARANTINE', 'BOTH']).default('FILESYSTEM'),
    })
    .strict()
    .refine((v) => v.rowId !== undefined || (v.filePath !== undefined && v.computerId !== undefined), {
      message: 'give rowId (a scan-result row) or filePath + computerId',
    }),
  'get-upload-status': z.object({ incidentId, rowId }).strict(),
  /** Cancel every SEPM command the incident still has pending (run when the incident is closed). */
  'cancel-incident-commands': z.object({ incidentId }).strict(),
  'attach-file-content': z
    .object({ incidentId, rowId: rowId.optional(), fileId: text(64).optional(), fileName: text(255).optional() })
    .strict()
    .refine((v) => v.rowId !== undefined || v.fileId !== undefined, { message: 'give rowId or fileId' }),
  'endpoints-status-summary': z.object({ incidentId }).strict(),
  'non-compliant-details': z.object({ incidentId }).strict(),
  'move-endpoint-playbook': z
    .object({ incidentId, ...target, groupId: text(64) })
    .strict()
    .refine(needsTarget, targetMessage),
  'quarantine-endpoint': z
    .object({ incidentId, ...target })
    .strict()
    .refine(needsTarget, targetMessage),
  'unquarantine-endpoint': z
    .object({ incidentId, ...target })
    .strict()
    .refine(needsTarget, targetMessage),
  'quarantine-status': z
    .object({ incidentId, ...target })
    .strict()
    .refine(needsTarget, targetMessage),
  'blacklist-info': z.object({ incidentId, hash: listHash, listName: text(255).optional() }).strict(),
  'add-hash-to-blacklist': z.object({ incidentId, hash: listHash, listName: text(255).optional() }).strict(),
  'delete-hash-from-blacklist': z.object({ incidentId, hash: listHash, listName: text(255).optional() }).strict(),
  'delete-blacklist': z.object({ incidentId, listName: text(255).optional() }).strict(),
  'groups-info': z.object({ incidentId, fullPathName: text(1024).optional() }).strict(),
  'assign-blacklist-to-lockdown-group': z
    .object({ incidentId, groupId: text(64), listName: text(255).optional() })
    .strict(),
  'add-artifact-from-scan-row': z
    .object({
      incidentId,
      rowId,
      artifactType: z.enum([ArtifactTypes.sha256, ArtifactTypes.systemName, ArtifactTypes.filePath]),
    })
    .strict(),
  'critical-events': z
    .object({
      incidentId,
      includeAcknowledged: z.boolean().default(false),
      limit: z.number().int().min(1).max(1000).default(100),
    })
    .strict(),
  'auto-enrich': z
    .object({
      incidentId,
      /** Defaults to the incident's artifacts. */
      artifacts: z.array(anyArtifact).max(500).optional(),
      senderVerdict: z.enum(['trusted', 'untrusted']).default('untrusted'),
    })
    .strict(),
  'track-command': z
    .object({
      incidentId,
      commandId: text(64),
      kind: z.enum(['scan', 'remediation', 'upload', 'quarantine']),
      /** Poll number (0 = first); a re-schedule is attempt + 1. */
      attempt: z.number().int().min(0).default(0),
      /** When the command was started, epoch ms (timeout reference). */
      startedAt: z.number().int().positive(),
      /** The row whose state column this command updates, and its table. */
      rowId: rowId.optional(),
      artifact: anyArtifact.optional(),
      artifactId: rowId.optional(),
      scanType: z.enum(['QUICK', 'FULL']).optional(),
      /** Poll once and stop (get-scan-results). */
      once: z.boolean().default(false),
    })
    .strict(),
} as const;

export type PlaybookName = keyof typeof playbookSchemas;
export type PlaybookPayload<K extends PlaybookName> = z.output<(typeof playbookSchemas)[K]>;
export const PLAYBOOK_NAMES = Object.keys(playbookSchemas) as PlaybookName[];
