import type { ContainmentAction, ContainmentTarget } from './policy.ts';

/** What the audit note needs to say how to undo an action; every field is optional (SEPM ids when known). */
export interface AuditTarget extends ContainmentTarget {
  /** SEPM computer uniqueId. */
  computerId?: string;
  hardwareKey?: string;
  /** Move: the group the computer was in before, so it can be moved back. */
  previousGroupId?: string;
  groupId?: string;
  /** Blacklist: the hash added and the fingerprint list it went to. */
  hash?: string;
  fingerprintList?: string;
}

export interface AuditNoteInput {
  action: ContainmentAction;
  target: AuditTarget;
  commandId?: string;
  dryRun: boolean;
  /** Who asked: `policy (automatic)` or the analyst's name. */
  by: string;
  at: Date;
}

/** Values come from mail or the dashboard: no line breaks or control characters that could fake note lines. */
function clean(value: string | undefined): string {
  if (value === undefined || value === '') return '?';
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 256);
}

function computerRef(t: AuditTarget): string {
  if (t.computerId) return `computer ${clean(t.computerId)}${t.computer ? ` (${clean(t.computer)})` : ''}`;
  if (t.hardwareKey) return `hardware key ${clean(t.hardwareKey)}`;
  return `computer ${clean(t.computer ?? t.ip)}`;
}

function undoText(action: ContainmentAction, t: AuditTarget): string {
  switch (action) {
    case 'quarantine':
      return `run quarantine-endpoints with undo=true for ${computerRef(t)}`;
    case 'remediate':
      return (
        'remediation removes the file on the endpoint and cannot be reversed through the API; restore the file ' +
        `from the SEP client's local quarantine on ${computerRef(t)} if it was a false positive`
      );
    case 'blacklist':
      return `run delete-hash-from-blacklist for hash ${clean(t.hash)} in fingerprint list ${clean(t.fingerprintList)}`;
    case 'lockdown':
      return (
        `remove fingerprint list ${clean(t.fingerprintList)} from the system lockdown of group ` +
        `${clean(t.groupId ?? t.group)} in SEPM (or delete the list with delete-fingerprint-list)`
      );
    case 'move':
      return t.previousGroupId
        ? `run move-endpoint with groupId=${clean(t.previousGroupId)} for ${computerRef(t)} (its previous group)`
        : `the previous group of ${computerRef(t)} was not recorded; move it back by hand in SEPM`;
  }
}

function targetText(t: AuditTarget): string {
  const parts = [
    t.computer || t.computerId ? computerRef(t) : '',
    t.ip ? `IP ${clean(t.ip)}` : '',
    t.group ? `group ${clean(t.group)}` : '',
    t.hash ? `hash ${clean(t.hash)}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : '(no target details)';
}

/** The audit note written on the incident for every containment action: what, to what, by whom, how to undo. */
export function auditNote(input: AuditNoteInput): string {
  const lines = [
    `[sepm-intake] ${input.dryRun ? 'DRY RUN of ' : ''}${input.action} — ${targetText(input.target)}`,
    `By: ${clean(input.by)}`,
    `At: ${input.at.toISOString()}`,
  ];
  if (input.dryRun) {
    lines.push('Dry run: nothing was sent to SEPM (policy.dryRun is true); nothing to undo.');
  } else {
    if (input.commandId) lines.push(`SEPM command id: ${clean(input.commandId)}`);
    lines.push(`Undo: ${undoText(input.action, input.target)}`);
  }
  return lines.join('\n');
}
