import { describe, expect, it } from 'vitest';
import { ArtifactTypes } from '../../../src/mail/types.ts';
import {
  artifactKey,
  maxSeverity,
  newArtifacts,
  occurrenceNote,
  raisesSeverity,
  severityRank,
} from '../../../src/soar/merge-rules.ts';
import type { NewIncident } from '../../../src/soar/port.ts';

describe('merge rules (shared by the IBM and embedded stores)', () => {
  it('skips artifacts already present (type + trimmed, case-folded value) and repeats within a batch', () => {
    const out = newArtifacts(
      [{ type: ArtifactTypes.dnsName, value: 'Evil.com' }],
      [
        { type: ArtifactTypes.dnsName, value: ' evil.COM ' },
        { type: ArtifactTypes.systemName, value: 'evil.com' },
        { type: ArtifactTypes.ipAddress, value: '10.0.0.1' },
        { type: ArtifactTypes.ipAddress, value: '10.0.0.1' },
      ],
    );
    expect(out.map((a) => `${a.type}|${a.value}`)).toEqual(['System Name|evil.com', 'IP Address|10.0.0.1']);
  });

  it('trims values and skips empty ones, so both stores keep the same artifact set', () => {
    const out = newArtifacts(
      [],
      [
        { type: ArtifactTypes.ipAddress, value: '  10.0.0.2 ' },
        { type: ArtifactTypes.ipAddress, value: '   ' },
        { type: ArtifactTypes.ipAddress, value: '10.0.0.2' },
      ],
    );
    expect(out).toEqual([{ type: ArtifactTypes.ipAddress, value: '10.0.0.2' }]);
    expect(artifactKey({ type: 'DNS Name', value: ' ÉVIL.example ' })).toBe(
      artifactKey({ type: 'DNS Name', value: 'évil.example' }),
    );
  });

  it('never lowers a severity; an unknown stored severity is raised by any known one', () => {
    expect(maxSeverity('High', 'Low')).toBe('High');
    expect(maxSeverity('Low', 'Medium')).toBe('Medium');
    expect(raisesSeverity('Medium', 'High')).toBe(true);
    expect(raisesSeverity('High', 'Medium')).toBe(false);
    expect(raisesSeverity('', 'Low')).toBe(true);
    expect(raisesSeverity('Critical', 'Low')).toBe(true);
    expect(severityRank('constructor')).toBe(0);
  });

  it('writes one occurrence note format for both stores, falling back to the stored Message-ID', () => {
    const input: NewIncident = {
      dedupKey: 'sep1:x',
      name: 'n',
      description: '',
      descriptionFormat: 'text',
      discoveredDate: Date.UTC(2026, 0, 2, 3, 4, 5),
      severity: 'High',
      incidentTypes: ['Malware'],
      properties: { sepm_message_id: '<a@b>', sepm_action: 'Left alone', sepm_computer: 'PC-01' },
      artifacts: [],
    };
    const now = Date.UTC(2026, 0, 2, 4, 0, 0);
    expect(occurrenceNote(3, input, undefined, now)).toBe(
      'Occurrence 3 merged at 2026-01-02T04:00:00.000Z; event time 2026-01-02T03:04:05.000Z; ' +
        'Message-ID <a@b>; action Left alone; computer PC-01.',
    );
    expect(occurrenceNote(2, { ...input, properties: {} }, '<m@x>', now)).toBe(
      'Occurrence 2 merged at 2026-01-02T04:00:00.000Z; event time 2026-01-02T03:04:05.000Z; ' +
        'Message-ID <m@x>; action (unknown).',
    );
  });
});
