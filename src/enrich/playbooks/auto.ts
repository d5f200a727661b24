import { ArtifactTypes, type Artifact, type ArtifactType } from '../../mail/types.ts';
import type { StoredArtifact } from '../../soar/port.ts';
import { evaluateContainment } from '../containment/index.ts';
import type { JobContext } from '../jobs/context.ts';
import type { PlaybookPayload } from '../../jobs/playbook-schemas.ts';
import type { JobOf, JobRequest } from '../../jobs/catalog.ts';
import type { ContainmentAction } from '../containment/playbooks.ts';

/**
 * Automatic enrichment of a new or merged incident: endpoint details for its computers, an EOC scan for its file
 * paths and hashes, a blacklist lookup for its hashes (config enrich.auto.*; all read-only). Containment is only
 * proposed when the policy enables it for automation, and every proposal is enqueued as an automatic request,
 * so the worker-side gate decides again (sender verdict, protected targets, hourly cap, dry run).
 */

/** A planned job: its payload type follows its name, so a wrong one does not compile. */
type Planned = JobRequest<
  | 'endpoint-details'
  | 'eoc-scan-artifact'
  | 'blacklist-info'
  | 'quarantine-endpoint'
  | 'remediate-artifact'
  | 'add-hash-to-blacklist'
>;

const HOSTS = [ArtifactTypes.systemName, ArtifactTypes.dnsName] as const;
const SCANNABLE = [ArtifactTypes.filePath, ArtifactTypes.md5, ArtifactTypes.sha1, ArtifactTypes.sha256] as const;
const LIST_HASHES = [ArtifactTypes.md5, ArtifactTypes.sha256] as const;
const FILE_HASHES = [...LIST_HASHES, ArtifactTypes.sha1] as const;

/** A filter that narrows the artifact's type to `types` (the job schemas accept only those). */
function ofType<T extends ArtifactType>(types: readonly T[]) {
  const set: ReadonlySet<ArtifactType> = new Set(types);
  return <A extends Artifact>(a: A): a is A & { type: T } => set.has(a.type);
}
const isHostName = ofType(HOSTS);
const isIp = ofType([ArtifactTypes.ipAddress]);
const isScannable = ofType(SCANNABLE);
const isListHash = ofType(LIST_HASHES);
const isFileHash = ofType(FILE_HASHES);

/** An artifact, with its id in the incident store when known (scan rows carry it as `artifact_id`). */
export type PlannedArtifact = Artifact & { id?: number };

/** Read-only jobs for the incident's artifacts (pure). */
export function planReadOnly(
  incidentId: number,
  artifacts: PlannedArtifact[],
  auto: JobContext['config']['enrich']['auto'],
): Planned[] {
  const out: Planned[] = [];
  const hosts: (Artifact & { type: (typeof HOSTS)[number] | typeof ArtifactTypes.ipAddress })[] =
    artifacts.filter(isHostName);
  // IPs only when no computer name is known: an IP look-up reads every SEPM page.
  const lookups = hosts.length ? hosts : artifacts.filter(isIp);
  if (auto.endpointDetails) {
    for (const a of lookups)
      out.push({ name: 'endpoint-details', payload: { incidentId, artifact: { type: a.type, value: a.value } } });
  }
  if (auto.eocScan) {
    for (const a of artifacts.filter(isScannable)) {
      out.push({
        name: 'eoc-scan-artifact',
        payload: {
          incidentId,
          artifact: { type: a.type, value: a.value },
          ...(a.id !== undefined ? { artifactId: a.id } : {}),
          scanType: 'QUICK',
        },
      });
    }
  }
  if (auto.blacklistLookup) {
    for (const a of artifacts.filter(isListHash)) {
      out.push({ name: 'blacklist-info', payload: { incidentId, hash: a.value } });
    }
  }
  return out;
}

/** Containment proposals the policy enables for automation (pure; the gate re-checks in the worker). */
export function planContainment(
  incidentId: number,
  artifacts: Artifact[],
): { action: ContainmentAction; job: Planned; computer?: string }[] {
  const computers = artifacts.filter((a) => a.type === ArtifactTypes.systemName).map((a) => a.value);
  const hashes = artifacts.filter(isFileHash);
  const path = artifacts.find((a) => a.type === ArtifactTypes.filePath)?.value;
  const out: { action: ContainmentAction; job: Planned; computer?: string }[] = [];
  for (const computer of computers) {
    out.push({
      action: 'quarantine',
      computer,
      job: { name: 'quarantine-endpoint', payload: { incidentId, computer } },
    });
    for (const h of hashes) {
      const payload: JobOf<'remediate-artifact'> = { incidentId, artifact: { type: h.type, value: h.value }, computer };
      if (path) payload.filePath = path;
      out.push({ action: 'remediate', computer, job: { name: 'remediate-artifact', payload } });
    }
  }
  for (const h of hashes.filter(isListHash)) {
    out.push({ action: 'blacklist', job: { name: 'add-hash-to-blacklist', payload: { incidentId, hash: h.value } } });
  }
  return out;
}

/** The incident-ready hand-off names artifacts by type and value; the store knows their ids. */
function withStoredIds(artifacts: Artifact[], stored: StoredArtifact[]): PlannedArtifact[] {
  const key = (a: Artifact) => `${a.type}\u0000${a.value.toLowerCase()}`;
  const ids = new Map(stored.map((a) => [key(a), a.id]));
  return artifacts.map((a) => {
    const id = ids.get(key(a));
    return id === undefined ? a : { ...a, id };
  });
}

export async function autoEnrich(p: PlaybookPayload<'auto-enrich'>, ctx: JobContext): Promise<unknown> {
  const stored = await ctx.soar.listArtifacts(p.incidentId);
  const artifacts = p.artifacts ? withStoredIds(p.artifacts as Artifact[], stored) : stored;
  const enqueued: string[] = [];
  for (const job of planReadOnly(p.incidentId, artifacts, ctx.config.enrich.auto)) {
    enqueued.push(
      (await ctx.enqueue(job.name, job.payload, { requestedBy: 'auto', senderVerdict: p.senderVerdict })).jobId,
    );
  }
  const skipped: string[] = [];
  for (const c of planContainment(p.incidentId, artifacts)) {
    if (!ctx.config.policy.actions[c.action].auto) continue;
    const target = c.computer ? { computer: c.computer } : {};
    const d = evaluateContainment(
      { action: c.action, automatic: true, senderVerdict: p.senderVerdict, target },
      ctx.config.policy,
    );
    if (!d.allowed) {
      skipped.push(`${c.action}${c.computer ? ` of ${c.computer}` : ''}: ${d.reasons.slice(1).join('; ')}`);
      continue;
    }
    enqueued.push(
      (await ctx.enqueue(c.job.name, c.job.payload, { requestedBy: 'auto', senderVerdict: p.senderVerdict })).jobId,
    );
  }
  if (skipped.length) {
    await ctx.soar.addNote(
      p.incidentId,
      `Automatic containment not taken:\n${skipped.map((s) => `- ${s}`).join('\n')}`,
    );
  }
  return { enqueued, skipped };
}
