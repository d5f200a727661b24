import type { Artifact } from '../mail/types.ts';
import type { NewIncident, Severity } from './port.ts';

/**
 * The rules every incident store applies when a repeat alert is merged into an open incident (pure, no I/O):
 * the severity never goes down, and an artifact is added only once per incident, its identity being the type plus
 * the trimmed, case-folded value; each merge leaves one occurrence note. Both adapters (soar/ibm, soar/embedded)
 * use these, so a merge looks the same whichever store is configured.
 */

const SEVERITY_RANK: Record<Severity, number> = { Low: 1, Medium: 2, High: 3 };

/** Rank of a severity name; 0 for anything else (an IBM org may hold a severity this service never writes). */
export function severityRank(name: string): number {
  return Object.hasOwn(SEVERITY_RANK, name) ? SEVERITY_RANK[name as Severity] : 0;
}

/** The worse of two severities: a repeat never lowers it (e.g. "left alone" after "cleaned" raises it). */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** True when `next` is worse than the stored severity name `current` (which may be unknown or empty). */
export function raisesSeverity(current: string, next: Severity): boolean {
  return SEVERITY_RANK[next] > severityRank(current);
}

/** Case-insensitive identity of an artifact value on one incident (Unicode-aware, unlike SQLite's lower()). */
export function foldArtifactValue(value: string): string {
  return value.trim().toLowerCase();
}

/** Identity of an artifact on one incident: type + folded value. */
export function artifactKey(a: { type: string; value: string }): string {
  return `${a.type}\u0000${foldArtifactValue(a.value)}`;
}

/**
 * Artifacts of `wanted` not present in `existing` yet, also de-duplicated within the batch (the first spelling
 * wins). Values are trimmed; an empty value is no artifact and is skipped.
 */
export function newArtifacts(existing: readonly { type: string; value: string }[], wanted: readonly Artifact[]) {
  const seen = new Set(existing.map(artifactKey));
  const out: Artifact[] = [];
  for (const a of wanted) {
    const value = a.value.trim();
    if (!value) continue;
    const key = artifactKey(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...a, value });
  }
  return out;
}

/**
 * The note written when a repeat alert is merged into an open incident. Both adapters use it, so analysts see one
 * format whatever the backend. `now` and the event time are epoch ms; `mid` is the merged mail's Message-ID.
 */
export function occurrenceNote(occurrence: number, input: NewIncident, mid: string | undefined, now: number): string {
  const p = input.properties;
  const parts = [
    `Occurrence ${occurrence} merged at ${new Date(now).toISOString()}`,
    `event time ${new Date(input.discoveredDate).toISOString()}`,
    `Message-ID ${mid ?? (typeof p.sepm_message_id === 'string' ? p.sepm_message_id : '(none)')}`,
    `action ${p.sepm_action ?? '(unknown)'}`,
  ];
  if (p.sepm_computer) parts.push(`computer ${String(p.sepm_computer)}`);
  if (input.severityReason) parts.push(`this alert's severity ${input.severity} (${input.severityReason})`);
  return `${parts.join('; ')}.`;
}
