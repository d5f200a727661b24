import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeMail } from '../../../src/intake/analyze.ts';
import { FIXTURE_DIR, fixtureOptions } from '../../helpers/fixture-config.ts';

/**
 * Golden test over the whole fixture corpus: analyzeMail(raw) must equal <name>.expected.json exactly.
 * Regenerate only deliberately: UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/parsers
 */
const dir = fileURLToPath(FIXTURE_DIR);
const update = process.env['UPDATE_GOLDEN'] === '1';
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .map((f) => f.slice(0, -4))
  .sort();

describe('fixture corpus', () => {
  it('holds at least 40 mails, each with a golden file', () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
    if (!update) for (const n of names) expect(existsSync(`${dir}${n}.expected.json`), n).toBe(true);
  });

  it.each(names)('%s matches its golden result', async (name) => {
    const result = await analyzeMail(readFileSync(`${dir}${name}.eml`), fixtureOptions());
    const actual = JSON.parse(JSON.stringify(result)) as unknown;
    const goldenPath = `${dir}${name}.expected.json`;
    if (update) writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(goldenPath, 'utf8')));
  });
});
