import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EocParseError, parseEoc, renderResult } from '../../../../sim/sepm/eoc.ts';
import { FIXTURES } from '../../../helpers/sim-shape.ts';

const REQUEST = readFileSync(join(FIXTURES, 'eoc_scan_request_body.v1_2_0.example.xml'), 'utf8');
const SHA = 'bfe4fd780b47e8d4e5661d4c3881d114e8631e84a686e3bb8aad85d4af20454a';

describe('EOC request parsing', () => {
  it('reads the fn_sep 1.2.0 request document', () => {
    const req = parseEoc(REQUEST);
    expect(req).toMatchObject({ scanType: 'QUICK_SCAN', remediate: true, attrs: { creator: 'SOAR' } });
    expect(req.files.map((f) => [f.name, f.hashName, f.hashValue])).toEqual([
      ['C:\\temp\\where_copy.exe', 'SHA256', SHA],
      ['C:\\temp\\where_copy.exe', 'SHA1', ''],
      ['C:\\temp\\where_copy.exe', 'MD5', ''],
    ]);
  });

  it('rejects DTDs, non-XML and a missing scan type', () => {
    expect(() => parseEoc('<!DOCTYPE x [<!ENTITY a "b">]><EOC><ScanType>QUICK_SCAN</ScanType></EOC>')).toThrow(
      EocParseError,
    );
    expect(() => parseEoc('{"json":true}')).toThrow(EocParseError);
    expect(() => parseEoc('<EOC><ScanType>NOPE</ScanType></EOC>')).toThrow(EocParseError);
  });
});

describe('EOC result rendering', () => {
  it('renders the 14.2 remediation layout: HASH_MATCH per copy, FULL_MATCH per named File', () => {
    const files = [
      { path: 'C:\\temp\\where_copy.exe', sha256: SHA },
      { path: 'C:\\Windows\\SysWOW64\\where.exe', sha256: SHA },
      { path: 'C:\\other.exe', sha256: 'ff'.repeat(32) },
    ];
    const out = renderResult(parseEoc(REQUEST), files);
    expect(out.xml).toContain(`<Hash name="SHA256" value="${SHA}"/>`);
    expect(out.xml).toContain(
      '<Matched result="HASH_MATCH" value="C:\\temp\\where_copy.exe" remediation="SUCCEEDED" hashType="SHA256"/>',
    );
    expect(out.xml).toContain(
      '<Matched result="HASH_MATCH" value="C:\\Windows\\SysWOW64\\where.exe" remediation="FAILED" hashType="SHA256"/>',
    );
    expect(out.xml.match(/result="FULL_MATCH"/g)).toHaveLength(2);
    expect(out.xml).not.toContain('C:\\other.exe');
    expect(out.xml).toContain('<URL></URL>');
    expect(out.remediated.map((f) => f.path)).toEqual(['C:\\temp\\where_copy.exe']);
  });

  it('answers NO_MATCH for empty or unmatched files and escapes attribute values', () => {
    const req = parseEoc(REQUEST.replace(/C:\\temp\\where_copy.exe/g, 'a&amp;&quot;b'));
    const out = renderResult({ ...req, remediate: false }, []);
    expect(out.xml.match(/<Matched result="NO_MATCH"\/>/g)).toHaveLength(3);
    expect(out.xml).toContain('name="a&amp;&quot;b"');
    expect(out.remediated).toEqual([]);
  });
});
