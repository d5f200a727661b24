import { describe, expect, it } from 'vitest';
import { senderAuthSchema } from '../../../src/config/schema.ts';
import { checkSender, parseReceived, type HeaderLine } from '../../../src/mail/sender-auth.ts';
import { growth, timeRatio } from '../../helpers/growth.ts';

/**
 * Hostile Received headers: parsing must grow linearly. Asserted by result, in the same process: the time for an
 * 8× larger input stays under 16× the time for the 1× input (a quadratic parser shows 64×). The old regex
 * `^\s*from\s+([\s\S]*?)(?:\s+by\s|;|$)` took 5.6 s for one header with ~73 KB of spaces.
 */

const SHAPES: [string, (n: number) => string][] = [
  ['spaces after from', (n) => `from${' '.repeat(n)}x`],
  ['spaces before by', (n) => `from x${' '.repeat(n)}by`],
  ['open comments', (n) => `from x ${'('.repeat(n)}`],
  ['nested closed comments', (n) => `from x ${'('.repeat(n / 2)}${')'.repeat(n / 2)} by mx`],
  ['brackets', (n) => `from x (${'['.repeat(n)}) by mx`],
  ['many by', (n) => `from x${' by'.repeat(n / 3)}`],
  ['mixed ( [ by', (n) => `from ${'( [ by '.repeat(n / 7)}`],
  ['quotes', (n) => `from x "${' '.repeat(n)}`],
  ['comment words', (n) => `from x (${'a [1.2.3.4] '.repeat(n / 12)}) by mx`],
];

const cfg = senderAuthSchema.parse({ trustedRelays: ['10.1.2.3'], trustedAuthservIds: ['mx'], requireSpf: true });
const block = (received: string): HeaderLine[] => [
  { key: 'authentication-results', line: 'Authentication-Results: mx; spf=pass' },
  { key: 'received', line: `Received: ${received}` },
  { key: 'from', line: 'From: sepm@corp.local' },
];

describe('Received parsing grows linearly with hostile input', () => {
  it.each(SHAPES)('parseReceived, %s: 1 KiB → 8 KiB costs < 16×', (_name, make) => {
    const ratio = growth(make, 1024, (t) => parseReceived(t));
    expect(ratio).toBeLessThan(16);
  });

  it.each(SHAPES)(
    'checkSender, %s as one header of 9 KiB → 73 KiB costs < 16× and is refused',
    (_name, make) => {
      const ratio = growth(make, 9 * 1024, (t) => checkSender(block(t), cfg));
      expect(ratio).toBeLessThan(16);
      expect(checkSender(block(make(73 * 1024)), cfg).verdict).toBe('untrusted');
    },
    60_000,
  );

  it('a chain of 100 → 800 Received headers costs < 16× (hops past the cap are not read)', () => {
    const chain = (n: number): HeaderLine[] => [
      ...Array.from({ length: n }, (_, i) => ({
        key: 'received',
        line: `Received: from r${i} (r${i}.corp.local [10.0.${i >> 8}.${i & 255}]) by mx (Postfix); Sat, 28 Nov 2026`,
      })),
      { key: 'received', line: 'Received: from sepm01 (sepm01 [10.1.2.3]) by r (Postfix); Sat, 28 Nov 2026' },
      { key: 'from', line: 'From: sepm@corp.local' },
    ];
    const relay = senderAuthSchema.parse({ trustedRelays: ['10.1.2.3'] });
    const small = chain(100);
    const large = chain(800);
    expect(
      timeRatio(
        () => checkSender(large, relay),
        () => checkSender(small, relay),
      ),
    ).toBeLessThan(16);
    expect(checkSender(chain(10), relay).verdict).toBe('trusted');
    expect(checkSender(small, relay).reasons).toEqual([
      'Received: hop 51 not attributable to the receiving MTA (more than 50 Received headers); hops below it are not believed',
    ]);
  });
});
