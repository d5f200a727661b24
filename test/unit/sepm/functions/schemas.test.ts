import { describe, expect, it } from 'vitest';
import { validateSepInput } from '../../../../src/sepm/functions/functions.ts';
import {
  normaliseIdList,
  SEP_FUNCTION_NAMES,
  sepFunctionSchemas,
  sepInputJsonSchema,
} from '../../../../src/sepm/functions/schemas.ts';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';

const MD5 = '582f9b6e0cc4c1dbbd772aaaf088cb3a';
const SHA1 = 'a'.repeat(40);
const SHA256 = 'bfe4fd780b47e8d4e5661d4c3881d114e8631e84a686e3bb8aad85d4af20454a';

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCodes.SEPM_INPUT_INVALID);
    return (err as AppError).details!.problems as { path: string; message: string }[];
  }
  throw new Error('expected invalid input');
}

describe('input normalisation (docs/reference/sep-functions.md §1)', () => {
  it('splits ID lists on commas and whitespace, drops empty and "none" items, dedupes, trims', () => {
    expect(normaliseIdList('A, B,,\n C  A, None')).toEqual(['A', 'B', 'C']);
    expect(normaliseIdList([' A ', 'B,C', '', 'none'])).toEqual(['A', 'B', 'C']);
    expect(normaliseIdList(undefined)).toEqual([]);
  });

  it('treats "none" and blank strings as no value and trims text', () => {
    const v = validateSepInput('get-computers', { computerName: '  WS-* ', domain: 'NONE', os: 'Win10, Win7' });
    expect(v).toMatchObject({ computerName: 'WS-*', domain: undefined, os: ['Win10', 'Win7'], status: false });
  });

  it('accepts boolean strings and numeric strings from form inputs', () => {
    expect(validateSepInput('quarantine-endpoints', { hardwareKeys: 'HK', undo: 'True' })).toMatchObject({
      undo: true,
    });
    expect(validateSepInput('get-groups', { pageSize: '50' })).toMatchObject({ pageSize: 50 });
  });
});

describe('validation', () => {
  it('quarantine needs at least one id kind, not all three', () => {
    expect(validateSepInput('quarantine-endpoints', { groupIds: 'G1' })).toMatchObject({
      groupIds: ['G1'],
      computerIds: [],
    });
    const problems = problemsOf(() => validateSepInput('quarantine-endpoints', { computerIds: ' , none' }));
    expect(problems[0]!.message).toMatch(/at least one of computerIds, groupIds, hardwareKeys/);
  });

  it('lists every problem of a scan input at once', () => {
    const problems = problemsOf(() =>
      validateSepInput('scan-endpoints', { scanType: 'SLOW', md5: SHA256, description: ' ', extra: 1 }),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['scanType', 'md5', 'description', '(input)']));
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('checks hash slots by length and hex', () => {
    expect(
      validateSepInput('scan-endpoints', { computerIds: 'C', scanType: 'QUICK_SCAN', description: 'd', sha1: SHA1 }),
    ).toMatchObject({ sha1: SHA1, scanAction: 'scan' });
    expect(
      problemsOf(() => validateSepInput('upload-file', { filePath: 'x', computerIds: 'C', sha256: 'z'.repeat(64) }))[0]!
        .path,
    ).toBe('sha256');
  });

  it('rejects SHA-1 and garbage for fingerprint lists and upper-cases accepted hashes', () => {
    const ok = validateSepInput('add-fingerprint-list', { name: 'n', description: 'd', domainId: 'D', hash: MD5 });
    expect(ok.hash).toBe(MD5.toUpperCase());
    expect(
      problemsOf(() =>
        validateSepInput('add-fingerprint-list', { name: 'n', description: 'd', domainId: 'D', hash: SHA1 }),
      )[0]!.message,
    ).toMatch(/SHA-1 is not accepted/);
    const upd = problemsOf(() =>
      validateSepInput('update-fingerprint-list', {
        id: 'I',
        name: 'n',
        description: 'd',
        domainId: 'D',
        hashes: [MD5, SHA1],
      }),
    );
    expect(upd[0]!.message).toContain(SHA1);
  });

  it('update needs either the full set or a delta', () => {
    const base = { id: 'I', name: 'n', description: 'd', domainId: 'D' };
    expect(problemsOf(() => validateSepInput('update-fingerprint-list', base))[0]!.message).toMatch(/either hashes/);
    expect(validateSepInput('update-fingerprint-list', { ...base, addHashes: MD5 }).addHashes).toEqual([
      MD5.toUpperCase(),
    ]);
    expect(validateSepInput('update-fingerprint-list', { ...base, hashes: [] }).hashes).toEqual([]);
  });

  it('get-fingerprint-list needs a name or an id, and a domain for a name lookup', () => {
    expect(validateSepInput('get-fingerprint-list', { id: 'X' })).toMatchObject({ id: 'X' });
    expect(problemsOf(() => validateSepInput('get-fingerprint-list', { name: 'L' }))[0]!.path).toBe('domainId');
    expect(problemsOf(() => validateSepInput('get-fingerprint-list', { domainId: 'D' }))[0]!.message).toMatch(
      /name, id/,
    );
  });

  it('validates the scan date format of get-command-status', () => {
    expect(
      validateSepInput('get-command-status', { commandId: 'C', statusType: 'scan', scanDate: '2024-01-02 03:04:05' })
        .scanDate,
    ).toBe('2024-01-02 03:04:05');
    expect(
      problemsOf(() =>
        validateSepInput('get-command-status', { commandId: 'C', statusType: 'scan', scanDate: '02/01/2024' }),
      )[0]!.path,
    ).toBe('scanDate');
  });

  it('has a schema and a JSON schema for every function', () => {
    for (const name of SEP_FUNCTION_NAMES) {
      expect(sepFunctionSchemas[name]).toBeDefined();
      expect(sepInputJsonSchema(name)).toMatchObject({ type: 'object' });
    }
    expect(validateSepInput('get-domains', undefined)).toEqual({});
  });
});
