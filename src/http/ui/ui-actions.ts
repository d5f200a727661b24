import type { ArtifactType, IncidentDetail, StoredArtifact } from '../../soar/port.ts';
import { SepTables } from '../../soar/sep-tables.ts';

/**
 * Row actions of the review UI. The form only names the action and the row; the payload is built here from the
 * stored incident, so a tampered form can at most pick another row of the same incident. The job schema and
 * the workers' containment policy still apply to whatever is built.
 */

export type ActionTarget = 'host' | 'file' | 'hash' | 'scanRow' | 'incident';

export interface ActionDef {
  label: string;
  target: ActionTarget;
  /** Extra form field the analyst fills in. */
  input?: 'groupId' | 'artifactType';
}

export const ACTIONS = {
  'endpoint-details': { label: 'Get endpoint details', target: 'host' },
  'quarantine-endpoint': { label: 'Quarantine', target: 'host' },
  'unquarantine-endpoint': { label: 'Un-quarantine', target: 'host' },
  'move-endpoint-playbook': { label: 'Move to group', target: 'host', input: 'groupId' },
  'eoc-scan-artifact': { label: 'EOC scan', target: 'file' },
  'add-hash-to-blacklist': { label: 'Add hash to blacklist', target: 'hash' },
  'remediate-artifact': { label: 'Remediate', target: 'hash' },
  'upload-file-playbook': { label: 'Upload file', target: 'scanRow' },
  'endpoint-details-from-scan-row': { label: 'Endpoint details', target: 'scanRow' },
  'add-artifact-from-scan-row': { label: 'Add artifact', target: 'scanRow', input: 'artifactType' },
  'assign-blacklist-to-lockdown-group': {
    label: 'Assign blacklist to lock-down group',
    target: 'incident',
    input: 'groupId',
  },
  'endpoints-status-summary': { label: 'Endpoint status summary', target: 'incident' },
  'non-compliant-details': { label: 'Non-compliant endpoints', target: 'incident' },
  'groups-info': { label: 'Groups', target: 'incident' },
  'critical-events': { label: 'Critical events', target: 'incident' },
} as const satisfies Record<string, ActionDef>;

export type ActionName = keyof typeof ACTIONS;

// Artifact type names as the incident store holds them (typed: a misspelt name does not compile).
const HOST_TYPES: readonly ArtifactType[] = ['System Name', 'DNS Name', 'IP Address'];
const FILE_TYPES: readonly ArtifactType[] = [
  'File Path',
  'File Name',
  'Malware MD5 Hash',
  'Malware SHA-1 Hash',
  'Malware SHA-256 Hash',
];
const LIST_HASH_TYPES: readonly ArtifactType[] = ['Malware MD5 Hash', 'Malware SHA-256 Hash'];
export const SCAN_ROW_ARTIFACT_TYPES = [
  'Malware SHA-256 Hash',
  'System Name',
  'File Path',
] as const satisfies readonly ArtifactType[];

export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(ACTIONS, name);
}

/** Actions offered on an artifact row. */
export function artifactActions(a: StoredArtifact): ActionName[] {
  return (Object.keys(ACTIONS) as ActionName[]).filter((n) => {
    const t = ACTIONS[n].target;
    if (t === 'host') return HOST_TYPES.includes(a.type);
    if (t === 'file') return FILE_TYPES.includes(a.type);
    if (t === 'hash') return LIST_HASH_TYPES.includes(a.type);
    return false;
  });
}

export interface ActionForm {
  action: string;
  artifactId?: string | undefined;
  rowId?: string | undefined;
  groupId?: string | undefined;
  artifactType?: string | undefined;
}

export type BuiltAction =
  { ok: true; name: ActionName; payload: Record<string, unknown> } | { ok: false; problem: string };

function artifactPayload(name: ActionName, a: StoredArtifact, incidentId: number, form: ActionForm): BuiltAction {
  const artifact = { type: a.type, value: a.value };
  switch (name) {
    case 'endpoint-details':
      return { ok: true, name, payload: { incidentId, artifact, artifactId: a.id } };
    case 'quarantine-endpoint':
    case 'unquarantine-endpoint':
      return { ok: true, name, payload: { incidentId, computer: a.value } };
    case 'move-endpoint-playbook':
      return { ok: true, name, payload: { incidentId, computer: a.value, groupId: form.groupId ?? '' } };
    case 'eoc-scan-artifact':
      return { ok: true, name, payload: { incidentId, artifact, artifactId: a.id } };
    case 'add-hash-to-blacklist':
      return { ok: true, name, payload: { incidentId, hash: a.value } };
    case 'remediate-artifact':
      return { ok: true, name, payload: { incidentId, artifact } };
    default:
      return { ok: false, problem: `action '${name}' does not apply to an artifact` };
  }
}

export function buildAction(form: ActionForm, detail: IncidentDetail): BuiltAction {
  if (!isActionName(form.action)) return { ok: false, problem: 'unknown action' };
  const name = form.action;
  const def: ActionDef = ACTIONS[name];
  const incidentId = detail.incident.id;
  if (def.target === 'incident') {
    const payload: Record<string, unknown> = { incidentId };
    if (def.input === 'groupId') payload.groupId = form.groupId ?? '';
    return { ok: true, name, payload };
  }
  if (def.target === 'scanRow' || (name === 'remediate-artifact' && form.rowId)) {
    const rowId = Number(form.rowId);
    const rows = detail.tables[SepTables.eocScanResults] ?? [];
    if (!rows.some((r) => r.id === rowId)) return { ok: false, problem: 'no such scan-result row on this incident' };
    if (name === 'add-artifact-from-scan-row') {
      return { ok: true, name, payload: { incidentId, rowId, artifactType: form.artifactType ?? '' } };
    }
    return { ok: true, name, payload: { incidentId, rowId } };
  }
  const artifact = detail.artifacts.find((a) => a.id === Number(form.artifactId));
  if (!artifact) return { ok: false, problem: 'no such artifact on this incident' };
  if (!artifactActions(artifact).includes(name)) return { ok: false, problem: `${def.label} does not apply here` };
  return artifactPayload(name, artifact, incidentId, form);
}
