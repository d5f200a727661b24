import { describe, expect, it } from 'vitest';
import { validateJobPayload } from '../../../../src/jobs/catalog.ts';
import { artifactActions, buildAction } from '../../../../src/http/ui/ui-actions.ts';
import { ArtifactTypes as A } from '../../../../src/mail/types.ts';
import type { IncidentDetail, StoredArtifact } from '../../../../src/soar/port.ts';
import { SepTables } from '../../../../src/soar/sep-tables.ts';

const SHA = 'a'.repeat(64);
const artifacts: StoredArtifact[] = [
  { id: 1, type: A.systemName, value: 'WS-0001' },
  { id: 2, type: A.filePath, value: 'C:\\x.exe' },
  { id: 3, type: A.sha256, value: SHA },
  { id: 4, type: A.userAccount, value: 'bob' },
];
const detail = {
  incident: { id: 7 },
  artifacts,
  notes: [],
  tables: { [SepTables.eocScanResults]: [{ id: 11, cells: { file_path: 'C:\\x.exe' } }] },
  attachments: [],
  messages: [],
} as unknown as IncidentDetail;

describe('review UI row actions', () => {
  it('offers actions by artifact type', () => {
    expect(artifactActions(artifacts[0]!)).toEqual([
      'endpoint-details',
      'quarantine-endpoint',
      'unquarantine-endpoint',
      'move-endpoint-playbook',
    ]);
    expect(artifactActions(artifacts[1]!)).toEqual(['eoc-scan-artifact']);
    expect(artifactActions(artifacts[2]!)).toEqual([
      'eoc-scan-artifact',
      'add-hash-to-blacklist',
      'remediate-artifact',
    ]);
    expect(artifactActions(artifacts[3]!)).toEqual([]);
  });

  it('builds payloads from the stored rows that pass the job schemas', () => {
    const cases = [
      { action: 'endpoint-details', artifactId: '1' },
      { action: 'quarantine-endpoint', artifactId: '1' },
      { action: 'move-endpoint-playbook', artifactId: '1', groupId: 'G1' },
      { action: 'eoc-scan-artifact', artifactId: '2' },
      { action: 'add-hash-to-blacklist', artifactId: '3' },
      { action: 'remediate-artifact', artifactId: '3' },
      { action: 'remediate-artifact', rowId: '11' },
      { action: 'upload-file-playbook', rowId: '11' },
      { action: 'endpoint-details-from-scan-row', rowId: '11' },
      { action: 'add-artifact-from-scan-row', rowId: '11', artifactType: A.sha256 },
      { action: 'assign-blacklist-to-lockdown-group', groupId: 'G2' },
      { action: 'critical-events' },
    ];
    for (const form of cases) {
      const built = buildAction(form, detail);
      if (!built.ok) throw new Error(`${form.action}: ${built.problem}`);
      expect(built.payload.incidentId).toBe(7);
      const v = validateJobPayload(built.name, built.payload);
      expect(v.ok, `${form.action}: ${v.ok ? '' : v.problems.join('; ')}`).toBe(true);
    }
    expect(buildAction({ action: 'quarantine-endpoint', artifactId: '1' }, detail)).toEqual({
      ok: true,
      name: 'quarantine-endpoint',
      payload: { incidentId: 7, computer: 'WS-0001' },
    });
  });

  it('refuses tampered forms: unknown actions, rows of other incidents, actions that do not fit the row', () => {
    expect(buildAction({ action: 'delete-blacklist' }, detail)).toMatchObject({ ok: false });
    expect(buildAction({ action: 'endpoint-details', artifactId: '99' }, detail)).toMatchObject({ ok: false });
    expect(buildAction({ action: 'quarantine-endpoint', artifactId: '2' }, detail)).toMatchObject({ ok: false });
    expect(buildAction({ action: 'add-hash-to-blacklist', artifactId: '4' }, detail)).toMatchObject({ ok: false });
    expect(buildAction({ action: 'upload-file-playbook', rowId: '12' }, detail)).toMatchObject({ ok: false });
    expect(buildAction({ action: 'endpoint-details-from-scan-row', rowId: '12' }, detail)).toMatchObject({
      ok: false,
    });
    expect(buildAction({ action: '__proto__' }, detail)).toMatchObject({ ok: false });
  });
});
