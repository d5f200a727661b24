import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../../src/config/schema.ts';
import type { JobContext } from '../../../../src/enrich/jobs/context.ts';
import { containmentActionOf } from '../../../../src/enrich/containment/function-guard.ts';
import { planContainment, planReadOnly } from '../../../../src/enrich/playbooks/auto.ts';
import { containmentGate } from '../../../../src/enrich/containment/playbooks.ts';
import { ArtifactTypes as A, type Artifact } from '../../../../src/mail/types.ts';
import { silentLogger } from '../../../../src/shared/logger.ts';
import type { SoarClient } from '../../../../src/soar/port.ts';

const artifacts: Artifact[] = [
  { type: A.systemName, value: 'WS-1' },
  { type: A.ipAddress, value: '10.0.0.5' },
  { type: A.filePath, value: 'C:\\x.exe' },
  { type: A.fileName, value: 'x.exe' },
  { type: A.sha256, value: 'ab'.repeat(32) },
  { type: A.sha1, value: 'cd'.repeat(20) },
  { type: A.userAccount, value: 'bob' },
];

describe('automatic enrichment plan', () => {
  it('endpoint details for computers (IPs only without one), scans for paths and hashes, list lookup for MD5/SHA-256', () => {
    const plan = planReadOnly(4, artifacts, { endpointDetails: true, eocScan: true, blacklistLookup: true });
    const names = plan.map((p) => `${p.name}:${JSON.stringify(p.payload)}`);
    expect(plan.filter((p) => p.name === 'endpoint-details')).toEqual([
      { name: 'endpoint-details', payload: { incidentId: 4, artifact: { type: A.systemName, value: 'WS-1' } } },
    ]);
    expect(plan.filter((p) => p.name === 'eoc-scan-artifact')).toHaveLength(3);
    expect(plan.filter((p) => p.name === 'blacklist-info')).toEqual([
      { name: 'blacklist-info', payload: { incidentId: 4, hash: 'ab'.repeat(32) } },
    ]);
    expect(names.join('\n')).not.toContain('bob');
    const ipOnly = planReadOnly(4, [{ type: A.ipAddress, value: '10.0.0.5' }], {
      endpointDetails: true,
      eocScan: false,
      blacklistLookup: false,
    });
    expect(ipOnly).toHaveLength(1);
    expect(planReadOnly(4, artifacts, { endpointDetails: false, eocScan: false, blacklistLookup: false })).toEqual([]);
  });

  it('scan jobs carry the stored artifact id (the artifact_id of their rows) when it is known', () => {
    const plan = planReadOnly(
      4,
      [
        { type: A.sha256, value: 'ab'.repeat(32), id: 9 },
        { type: A.filePath, value: 'C:\\x' },
      ],
      {
        endpointDetails: false,
        eocScan: true,
        blacklistLookup: false,
      },
    );
    expect(plan.map((p) => ('artifactId' in p.payload ? p.payload.artifactId : undefined))).toEqual([9, undefined]);
  });

  it('containment proposals: quarantine per computer, remediation per hash on it, blacklist per list hash', () => {
    const plan = planContainment(4, artifacts);
    expect(plan.map((p) => p.action).sort()).toEqual(['blacklist', 'quarantine', 'remediate', 'remediate']);
    const rem = plan.find((p) => p.action === 'remediate');
    expect(rem?.job.payload).toMatchObject({ computer: 'WS-1', filePath: 'C:\\x.exe' });
  });
});

describe('raw SEP functions that are containment', () => {
  it('maps function + input to the policy action', () => {
    expect(containmentActionOf('quarantine-endpoints', { undo: false })).toBe('quarantine');
    expect(containmentActionOf('quarantine-endpoints', { undo: true })).toBeUndefined();
    expect(containmentActionOf('scan-endpoints', { scanAction: 'scan' })).toBeUndefined();
    expect(containmentActionOf('scan-endpoints', { scanAction: 'remediate' })).toBe('remediate');
    expect(containmentActionOf('move-endpoint', {})).toBe('move');
    expect(containmentActionOf('update-fingerprint-list', {})).toBe('blacklist');
    expect(containmentActionOf('assign-fingerprint-list-to-group', {})).toBe('lockdown');
    expect(containmentActionOf('get-computers', {})).toBeUndefined();
  });
});

function fakeCtx(policy: Record<string, unknown>, meta: JobContext['meta']): { ctx: JobContext; notes: string[] } {
  const notes: string[] = [];
  const soar = { addNote: async (_id: number, text: string) => (notes.push(text), { id: 1, text, createdAt: 0 }) };
  const ctx = {
    config: configSchema.parse({ policy }),
    soar: soar as unknown as SoarClient,
    logger: silentLogger,
    meta,
    now: () => new Date('2026-01-01T00:00:00Z'),
  } as unknown as JobContext;
  return { ctx, notes };
}

describe('containment gate', () => {
  it('refuses an automatic request from an untrusted mail with a note and POLICY_DENIED', async () => {
    const { ctx, notes } = fakeCtx(
      { actions: { quarantine: { auto: true, hourlyCap: 5 } } },
      { requestedBy: 'auto', senderVerdict: 'untrusted', jobId: 'j' },
    );
    await expect(containmentGate(ctx, 3, 'quarantine', { computer: 'WS-1' })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    expect(notes[0]).toMatch(/Containment refused: quarantine of WS-1/);
    expect(notes[0]).toMatch(/not trusted/);
  });

  it('refuses analysts on protected targets, lets them act otherwise, and dry run only writes the audit note', async () => {
    const policy = { protected: { hosts: ['DC-*'], groups: [], ips: [] } };
    const analyst = { requestedBy: 'analyst' as const, jobId: 'j' };
    const a = fakeCtx(policy, analyst);
    await expect(containmentGate(a.ctx, 3, 'quarantine', { computer: 'DC-01' })).rejects.toThrow(/protected/);
    await expect(
      containmentGate(a.ctx, 3, 'quarantine', [{ computer: 'WS-1' }, { computer: 'DC-02' }]),
    ).rejects.toThrow(/protected/);
    expect(await containmentGate(a.ctx, 3, 'quarantine', { computer: 'WS-1' })).toEqual({ run: true });
    const d = fakeCtx({ ...policy, dryRun: true }, analyst);
    const out = await containmentGate(d.ctx, 3, 'blacklist', {});
    expect(out).toMatchObject({ run: false, dryRun: true });
    expect(d.notes[0]).toMatch(/DRY RUN/);
  });
});
