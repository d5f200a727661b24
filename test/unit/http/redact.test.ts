import { describe, expect, it } from 'vitest';
import { redactForReadonly, scrubPaths, serverRoots, withoutSeal } from '../../../src/http/redact.ts';
import { growth } from '../../helpers/growth.ts';

const ROOTS = ['/srv/sepm-intake', '/tmp'];

describe('read-only redaction', () => {
  it('cuts every absolute path in error text to its base name, keeping URLs and relative paths', () => {
    expect(scrubPaths("ENOENT: no such file or directory, open '/srv/sepm-intake/var/inbox/a.eml'")).toBe(
      "ENOENT: no such file or directory, open 'a.eml'",
    );
    expect(scrubPaths('at parse (file:///srv/sepm-intake/src/parsers/x.ts:10:5)')).toBe('at parse (x.ts:10:5)');
    expect(scrubPaths('GET https://sepm01:8446/sepm/api/v1/computers failed')).toBe(
      'GET https://sepm01:8446/sepm/api/v1/computers failed',
    );
    expect(scrubPaths('see var/inbox/a.eml and /srv/')).toBe('see var/inbox/a.eml and srv');
  });

  it('in job data only paths under this deployment are cut; endpoint paths stay', () => {
    expect(scrubPaths('/srv/sepm-intake/var/inbox/a.eml', ROOTS)).toBe('a.eml');
    expect(scrubPaths('/home/bob/evil.sh', ROOTS)).toBe('/home/bob/evil.sh');
    expect(scrubPaths('/srv/sepm-intake-other/x', ROOTS)).toBe('/srv/sepm-intake-other/x');
  });

  it('drops seals at any depth, empties stack traces, scrubs failure text and logs', () => {
    const job = {
      data: { automationSeal: 'ab', nested: [{ automationSeal: 'cd', file: '/tmp/x/y.eml' }], p: '/opt/app/z' },
      stacktrace: ['Error: x\n    at f (/srv/sepm-intake/src/a.ts:1:1)'],
      failedReason: "open '/opt/app/z'",
      logs: ['read /var/lib/q'],
    };
    expect(redactForReadonly({ jobs: [job] }, ROOTS)).toEqual({
      jobs: [
        {
          data: { nested: [{ file: 'y.eml' }], p: '/opt/app/z' },
          stacktrace: [],
          failedReason: "open 'z'",
          logs: ['read q'],
        },
      ],
    });
    expect(withoutSeal(job)).toEqual({ ...job, data: { nested: [{ file: '/tmp/x/y.eml' }], p: '/opt/app/z' } });
  });

  it('never takes / as a server root', () => {
    expect(serverRoots('/var/inbox')).not.toContain('/');
    expect(serverRoots('var/inbox')).toContain(process.cwd());
  });

  it('scrubs in linear time (8x input < 16x time) on hostile text', () => {
    const hostile = (n: number) =>
      `${'/a'.repeat(n)} ${'/'.repeat(n)}x ${'+/b'.repeat(n)} /${'c'.repeat(n)} ${' /d'.repeat(n)}`;
    // 2,000 repeats (≈ 20 KB → 160 KB): larger inputs measure the allocator and GC, not the algorithm.
    expect(growth(hostile, 2_000, (text) => scrubPaths(text))).toBeLessThan(16);
  });
});
