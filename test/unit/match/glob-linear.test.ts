import { describe, expect, it } from 'vitest';
import { compilePathGlob, compilePlainGlob, globMatcher } from '../../../src/whitelist/index.ts';
import { growth } from '../../helpers/growth.ts';

/**
 * Hostile-input growth tests (issue 10 item 9): the matcher must take time linear in the value. Each check compares
 * the time for an input 8× longer against the 1× time in the same process (< 16×, so O(n) passes with slack
 * while O(n²) or worse fails), never a wall-clock limit. A small pair runs first so the old backtracking regex
 * fails in seconds instead of hanging; the sizes from the issue (1,990 folders, 4,000 characters) follow.
 */

const folders = (n: number): string => `C:\\${'d\\'.repeat(n)}setup.exe`;
const aaa = (n: number): string => 'a'.repeat(n);

describe('glob matching is linear in the value (no backtracking)', () => {
  const paths = globMatcher(['**\\**\\**\\**\\update.exe'], 'whitelist.paths', 'path');
  const risks = globMatcher(['*a*a*a*b'], 'whitelist.riskNames');

  it('`**\\**\\**\\**\\update.exe` against a deep path: 8× the folders < 16× the time', () => {
    expect(growth(folders, 31, paths)).toBeLessThan(16);
    expect(growth(folders, 1990 / 8, paths)).toBeLessThan(16);
    expect(growth(folders, 1990, paths)).toBeLessThan(16);
  });

  it('`*a*a*a*b` against a long risk name: 8× the characters < 16× the time', () => {
    expect(growth(aaa, 32, risks)).toBeLessThan(16);
    expect(growth(aaa, 500, risks)).toBeLessThan(16);
    expect(growth(aaa, 4000, risks)).toBeLessThan(16);
  });

  it('the single-glob testers are linear too (protected-host first labels use them)', () => {
    const host = compilePlainGlob('*a*a*a*b');
    const path = compilePathGlob('**/**/**/**/update.exe');
    expect(growth(aaa, 500, (v) => host.test(v))).toBeLessThan(16);
    expect(
      growth(
        (n) => folders(n).replace(/\\/g, '/'),
        249,
        (v) => path.test(v),
      ),
    ).toBeLessThan(16);
  });

  it('still answers correctly on the hostile shapes', () => {
    expect(paths(folders(249))).toBeNull();
    expect(paths(folders(249).replace('setup.exe', 'update.exe'))).toBe('whitelist.paths: **\\**\\**\\**\\update.exe');
    expect(risks(aaa(256))).toBeNull();
    expect(risks(`${aaa(256)}b`)).toBe('whitelist.riskNames: *a*a*a*b');
  });
});

describe('glob semantics kept by the linear matcher', () => {
  it('`**\\` matches zero or more folders, `**` alone spans folders, `*` and `?` stay in one', () => {
    const m = compilePathGlob('c:/**/a/*.t?p');
    expect(m.test('c:/a/x.tmp')).toBe(true);
    expect(m.test('c:/p/q/a/x.tmp')).toBe(true);
    expect(m.test('c:/a/s/x.tmp')).toBe(false);
    expect(m.test('c:/a/x.t/p')).toBe(false);
    expect(compilePathGlob('c:/x**').test('c:/x/y/z')).toBe(true);
    expect(compilePathGlob('c:/**.exe').test('c:/y/z.exe')).toBe(true);
  });
  it('plain `?` and `*` also match separators and newlines, as the regex with the s flag did', () => {
    expect(compilePlainGlob('a?b*').test('A/B\nC')).toBe(true);
    expect(compilePlainGlob('a?b').test('ab')).toBe(false);
    expect(compilePlainGlob('').test('')).toBe(true);
  });
});
