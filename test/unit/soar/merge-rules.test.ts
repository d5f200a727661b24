import { describe, expect, it } from 'vitest';
import { ArtifactTypes } from '../../../src/mail/types.ts';
import { artifactKey, maxSeverity, newArtifacts, raisesSeverity, severityRank } from '../../../src/soar/merge-rules.ts';

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
});
