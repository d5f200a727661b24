import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapToIncidents } from '../../../src/intake/mapper.ts';
import type { MailParseResult } from '../../../src/mail/types.ts';
import { FIXTURE_DIR } from '../../helpers/fixture-config.ts';

/**
 * Severity golden over the corpus: every accepted fixture (its <name>.expected.json parse result) mapped with the
 * default soar.severity rules must give the incidents, severities and deciding reasons of severity.expected.json.
 * Regenerate only deliberately: UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/intake/severity-golden
 */
const dir = fileURLToPath(FIXTURE_DIR);
const goldenPath = `${dir}severity.expected.json`;
const update = process.env['UPDATE_GOLDEN'] === '1';

function severities(): Record<string, { name: string; severity: string; reason: string }[]> {
  const out: Record<string, { name: string; severity: string; reason: string }[]> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()) {
    const name = file.slice(0, -4);
    const doc = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as MailParseResult;
    if (!doc.accepted || !doc.notification) continue;
    out[name] = mapToIncidents(doc.notification, doc.artifacts, doc.mail).map((i) => ({
      name: i.name,
      severity: i.severity,
      reason: i.severityReason ?? '',
    }));
  }
  return out;
}

describe('severity golden (default rules)', () => {
  it('matches severity.expected.json for every accepted fixture', () => {
    const actual = severities();
    if (update || !existsSync(goldenPath)) writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
  });

  it('makes the six-computer Ransom.Lockbit outbreak High, saying which rule raised it', () => {
    const lockbit = severities()['risk-outbreak-ransom-lockbit-six'];
    expect(lockbit).toHaveLength(6);
    for (const inc of lockbit!) {
      expect(inc.severity).toBe('High');
      expect(inc.reason).toBe('rule ransomware: risk Ransom.Lockbit matches Ransom.*');
    }
  });
});
