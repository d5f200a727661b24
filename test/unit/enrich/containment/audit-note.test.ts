import { describe, expect, it } from 'vitest';
import { auditNote } from '../../../../src/enrich/containment/index.ts';

const at = new Date('2026-11-28T08:30:00.000Z');

describe('auditNote', () => {
  it('quarantine: what, to what, who, when, command id and the undo', () => {
    const note = auditNote({
      action: 'quarantine',
      target: { computer: 'WS042', computerId: 'C0FFEE01', ip: '10.20.1.4' },
      commandId: 'CMD123',
      dryRun: false,
      by: 'policy (automatic)',
      at,
    });
    expect(note.split('\n')).toEqual([
      '[sepm-intake] quarantine — computer C0FFEE01 (WS042), IP 10.20.1.4',
      'By: policy (automatic)',
      'At: 2026-11-28T08:30:00.000Z',
      'SEPM command id: CMD123',
      'Undo: run quarantine-endpoints with undo=true for computer C0FFEE01 (WS042)',
    ]);
  });

  it('move: restores the previous group id, or says it is unknown', () => {
    const base = { action: 'move' as const, dryRun: false, by: 'alice', at };
    expect(auditNote({ ...base, target: { hardwareKey: 'HK1', previousGroupId: 'G-OLD' } })).toContain(
      'Undo: run move-endpoint with groupId=G-OLD for hardware key HK1 (its previous group)',
    );
    expect(auditNote({ ...base, target: { computer: 'WS1' } })).toContain(
      'the previous group of computer WS1 was not recorded',
    );
  });

  it('blacklist: delete-hash-from-blacklist with the hash and list', () => {
    const note = auditNote({
      action: 'blacklist',
      target: { hash: 'ab'.repeat(32), fingerprintList: 'sepm-intake-blacklist' },
      dryRun: false,
      by: 'bob',
      at,
    });
    expect(note).toContain(
      `Undo: run delete-hash-from-blacklist for hash ${'ab'.repeat(32)} in fingerprint list sepm-intake-blacklist`,
    );
  });

  it('remediate and lockdown say how to reverse them', () => {
    const r = auditNote({ action: 'remediate', target: { computer: 'WS1' }, dryRun: false, by: 'bob', at });
    expect(r).toMatch(/Undo: .*restore the file from the SEP client's local quarantine on computer WS1/);
    const l = auditNote({
      action: 'lockdown',
      target: { group: 'My Company\\WS', fingerprintList: 'FL1' },
      dryRun: false,
      by: 'bob',
      at,
    });
    expect(l).toContain('Undo: remove fingerprint list FL1 from the system lockdown of group My Company\\WS');
  });

  it('dry run says nothing was sent and has no undo', () => {
    const note = auditNote({ action: 'quarantine', target: { computer: 'WS1' }, dryRun: true, by: 'policy', at });
    expect(note.split('\n')[0]).toBe('[sepm-intake] DRY RUN of quarantine — computer WS1');
    expect(note).toContain('Dry run: nothing was sent to SEPM');
    expect(note).not.toContain('Undo:');
  });

  it('keeps untrusted values on one line so they cannot fake note lines', () => {
    const note = auditNote({
      action: 'quarantine',
      target: { computer: 'WS1\nUndo: nothing needed\r\n' },
      dryRun: false,
      by: 'x\u0007y',
      at,
    });
    expect(note.split('\n')).toHaveLength(4);
    expect(note).toContain('By: x y');
    expect(note.match(/^Undo:/gm)).toHaveLength(1);
  });
});
