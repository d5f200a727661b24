import { describe, expect, it } from 'vitest';
import { checkConfigSemantics } from '../../../src/config-checks.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { subjectMatches } from '../../../src/mail/envelope-filter.ts';
import { compileLinearRegex } from '../../../src/mail/linear-regex.ts';
import { timeRatio } from '../../helpers/growth.ts';

/** Subject regexes from the config run on a linear-time matcher (issue 10 item 9: mail-derived text). */

const CASES: [string, string, string[]][] = [
  ['^Risk outbreak', 'i', ['risk outbreak on 3 hosts', 'Re: Risk outbreak', '']],
  ['Single Risk Event|New Risk Found', '', ['x New Risk Found', 'Single Risk', 'Single Risk Event!']],
  ['^\\[SEPM\\]\\s+(alert|warn)\\b', 'i', ['[SEPM]  ALERT now', '[SEPM] alerts', '[sepm]\twarn']],
  ['risk\\s\\d{2,3}$', '', ['risk 12', 'risk 1234', 'risk 123']],
  ['a.c', '', ['abc', 'a\nc', 'ac']],
  ['a.c', 's', ['a\nc']],
  ['^b$', 'm', ['a\nb\nc', 'ab']],
  ['[^a-c\\d_]x', '', ['dx', '1x', '_x', 'bx', 'x']],
  ['(?:ab)+c?$', '', ['ababc', 'abab', 'abca']],
  ['(?<id>[0-9a-f]{4})-', '', ['beef-', 'bee-']],
  ['colou?r{1,2}\\.', 'i', ['COLORR.', 'colour.', 'colr.']],
  ['\\x41\\u0042[\\]\\-]', '', ['AB]', 'AB-', 'AB_']],
  ['\\Bisk', '', ['risk', 'isk']],
  ['[]', '', ['a', '']],
  ['[^]', '', ['a', '']],
  ['a{2}b*?', '', ['aab', 'ab']],
];

describe('compileLinearRegex agrees with RegExp', () => {
  for (const [source, flags, inputs] of CASES) {
    it(`/${source}/${flags}`, () => {
      const ours = compileLinearRegex(source, flags);
      const theirs = new RegExp(source, flags);
      for (const text of inputs) expect(ours.test(text), JSON.stringify(text)).toBe(theirs.test(text));
    });
  }

  it('refuses what it cannot run in linear time instead of guessing', () => {
    for (const [src, flags] of [
      ['(a)\\1', ''],
      ['a(?=b)', ''],
      ['(?<!a)b', ''],
      ['a', 'y'],
      ['a**', ''],
      ['(a', ''],
    ]) {
      expect(() => compileLinearRegex(src as string, flags), src).toThrow();
    }
  });
});

describe('subject regexes are linear in the subject', () => {
  it.each([['/a*a*a*a*a*b/'], ['/(a+)+$/'], ['/^(\\w+\\s?)*$/'], ['/(x+x+)+y/i']])(
    '%s: 8× the subject < 16× the time (RegExp backtracks)',
    (pattern) => {
      const subject = (n: number) => `${'a'.repeat(n)}!`;
      const hostile = pattern.includes('x') ? (n: number) => `${'x'.repeat(n)}!` : subject;
      const small = hostile(24);
      const large = hostile(8 * 24);
      const ratio = timeRatio(
        () => subjectMatches(large, [pattern]),
        () => subjectMatches(small, [pattern]),
      );
      expect(subjectMatches(large, [pattern])).toBe(false);
      expect(ratio).toBeLessThan(16);
    },
  );

  it('keeps the documented behaviour: substrings case-insensitively, /regex/flags as regexes', () => {
    expect(subjectMatches('[SEPM] Risk outbreak', ['/^\\[sepm\\] risk/i'])).toBe(true);
    expect(subjectMatches('Fwd: Single Risk Event', ['single risk event'])).toBe(true);
    expect(subjectMatches('Fwd: Single Risk Event', ['/^Single/'])).toBe(false);
  });

  it('a subject regex the matcher cannot run is refused at config load, naming the entry', () => {
    const config = loadConfig({
      file: 'c.yaml',
      env: {},
      readText: () => 'mail:\n  filter:\n    subjectPatterns: ["Risk", "/(a)\\\\1/"]\n',
    });
    expect(() => checkConfigSemantics(config)).toThrow(/mail\.filter\.subjectPatterns\[1\]/);
  });
});
