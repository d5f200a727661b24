import { describe, expect, it } from 'vitest';
import { buildEocXml } from '../../../../src/sepm/results/eoc-xml.ts';
import { parseScanResult } from '../../../../src/sepm/results/scan-result.ts';
import { fixtureText } from '../../../helpers/fake-sepm.ts';

const squash = (s: string) => s.replace(/>\s+</g, '><').trim();

describe('EOC request XML (docs/reference/sepm-rest-api.md §7)', () => {
  it('is laid out exactly like the fn_sep 1.2.0 example for a remediation of one SHA-256 + path', () => {
    const xml = buildEocXml({
      scanType: 'QUICK_SCAN',
      description: "Remediate endpoint for suspect file 'C:\\temp\\where_copy.exe'.",
      filePath: 'C:\\temp\\where_copy.exe',
      sha256: 'bfe4fd780b47e8d4e5661d4c3881d114e8631e84a686e3bb8aad85d4af20454a',
      remediate: true,
    });
    const expected = fixtureText('eoc_scan_request_body.v1_2_0.example.xml').replace(/'/g, '&apos;');
    expect(squash(xml)).toBe(squash(expected));
  });

  it('uses hash-name placeholders without a path, omits RemediationAction for scans, escapes values', () => {
    const xml = buildEocXml({ scanType: 'FULL_SCAN', description: 'a <b> & "c"', md5: 'x"><evil/>' });
    expect(xml).not.toContain('RemediationAction');
    expect(xml).toContain('<File name="SHA256" action="create">');
    expect(xml).toContain('<File name="MD5" action="create">');
    expect(xml).toContain('<Description>a &lt;b&gt; &amp; &quot;c&quot;</Description>');
    expect(xml).toContain('value="x&quot;&gt;&lt;evil/&gt;"');
    expect(xml).not.toContain('<evil/>');
    // Our own parser reads it back as a well-formed document without matches.
    expect(parseScanResult(xml, false).match_count).toBe(0);
  });
});
