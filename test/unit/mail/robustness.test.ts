import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeMail, RejectReasons } from '../../../src/intake/analyze.ts';
import { extractNotification } from '../../../src/mail/extract.ts';
import { FIXTURE_DIR, fixtureOptions } from '../../helpers/fixture-config.ts';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(raw: Buffer, rand: () => number): Buffer {
  const at = Math.floor(rand() * raw.length);
  switch (Math.floor(rand() * 4)) {
    case 0:
      return raw.subarray(0, at); // cut anywhere (mid-header, mid-boundary, mid-base64)
    case 1: {
      const copy = Buffer.from(raw);
      for (let i = 0; i < 8; i++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      return copy; // byte noise
    }
    case 2:
      return Buffer.concat([raw.subarray(0, at), raw.subarray(Math.floor(at / 2))]); // duplicated segment
    default:
      return Buffer.concat([
        raw.subarray(0, at),
        Buffer.from('\r\n--\r\n=?utf-8?B?@@?=\r\n&#xFFFFFF;<br'),
        raw.subarray(at),
      ]);
  }
}

const dir = fileURLToPath(FIXTURE_DIR);
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .sort()
  .map((f) => readFileSync(`${dir}${f}`));
const REASONS = Object.values(RejectReasons) as string[];

describe('robustness', () => {
  it('never throws on mutated fixture mails and always returns a consistent decision', async () => {
    const rand = rng(20261128);
    const options = fixtureOptions();
    for (const raw of corpus) {
      for (let i = 0; i < 12; i++) {
        const r = await analyzeMail(mutate(raw, rand), options);
        if (r.accepted) {
          expect(r.rejectReason).toBeUndefined();
          expect(r.notification?.isRisk).toBe(true);
          expect(r.notification?.events.length).toBeGreaterThan(0);
        } else {
          expect(REASONS).toContain(r.rejectReason);
        }
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }
    }
  });

  it('reads every real SEP log sample line without throwing', () => {
    // Copies of ../shared/samples/sepm-syslog (real public SEP log lines), kept in the repository.
    const samples = new URL('../../../fixtures/sepm-syslog/', import.meta.url);
    const files = readdirSync(samples).filter((f) => f.endsWith('.txt'));
    expect(files.length).toBeGreaterThanOrEqual(19);
    for (const f of files) {
      const body = readFileSync(new URL(f, samples), 'utf8');
      const n = extractNotification('SEP log', body, { timeZone: 'UTC' });
      expect(typeof n.type).toBe('string');
    }
    const virus = extractNotification(
      'x',
      'Virus found,IP Address: 1.2.3.4,Computer name: DNHFF3453,Source: Auto-Protect scan,Risk name: EICAR Test String,Occurrences: 1,File path: C:\\t.txt,Actual action: Cleaned by deletion',
      { timeZone: 'UTC' },
    );
    expect(virus.events[0]).toMatchObject({ computer: 'DNHFF3453', riskName: 'EICAR Test String', ips: ['1.2.3.4'] });
  });
});
