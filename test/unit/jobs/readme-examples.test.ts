import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_NAMES, validateJobPayload } from '../../../src/jobs/catalog.ts';

/** The README's "SEP jobs" tables are what analysts paste into the dashboard: every example must validate. */

const section = readFileSync('README.md', 'utf8').split('## SEP jobs')[1] ?? '';
const H64 = 'a'.repeat(64);
const H32 = 'B'.repeat(32);

function fill(json: string): unknown {
  const filled = json
    .replace(/<64 hex>|<MD5 or SHA-256>/g, H64)
    .replace(/<32 hex[^>]*>|<uniqueId>/g, H32)
    .replace(/<[^>]+>/g, 'X1')
    .replace(/…/g, 'x');
  return JSON.parse(filled);
}

const examples = [...section.matchAll(/^\| `([a-z-]+)`[^|]*\| `(\{.*?\})`/gm)].map((m) => ({
  name: m[1]!,
  json: m[2]!,
}));

describe('README SEP jobs examples', () => {
  it('lists every job name', () => {
    expect(new Set(examples.map((e) => e.name))).toEqual(new Set(JOB_NAMES));
  });

  it.each(examples)('$name example validates', ({ name, json }) => {
    const r = validateJobPayload(name, fill(json));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });
});
