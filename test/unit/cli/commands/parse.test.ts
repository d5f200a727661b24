import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../../../src/cli/commands/parse.ts';
import { FIXTURE_DIR } from '../../../helpers/fixture-config.ts';

const fixtures = fileURLToPath(FIXTURE_DIR);
let dir: string;
let config: string;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  return { out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sepm-parse-'));
  config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    'mail:\n  timeZone: America/Los_Angeles\n  filter:\n    allowedSenders: ["sepm@sepmdomain.com"]\nwhitelist:\n  ips: ["192.168.0.0/16"]\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('sepm-intake parse', () => {
  it('prints one pretty JSON document for one mail, with the whitelist from --config applied', async () => {
    const io = capture();
    const code = await run([`${fixtures}canonical-single-risk.eml`, '--config', config]);
    expect(code).toBe(0);
    const text = io.out.join('');
    expect(text.split('\n').length).toBeGreaterThan(10);
    const doc = JSON.parse(text) as {
      accepted: boolean;
      notification: { type: string };
      artifacts: { type: string; value: string }[];
      dropped: { value: string; rule: string }[];
    };
    expect(doc.accepted).toBe(true);
    expect(doc.notification.type).toBe('single_risk_event');
    expect(doc.artifacts).toContainEqual(expect.objectContaining({ type: 'System Name', value: 'TEST-ENDPOINT' }));
    expect(doc.dropped).toEqual([expect.objectContaining({ value: '192.168.194.94', rule: 'ips: 192.168.0.0/16' })]);
  });

  it('prints one JSON line per mail for a directory, rejecting senders outside the config', async () => {
    const io = capture();
    expect(await run([fixtures, '--config', config])).toBe(0);
    const lines = io.out.join('').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(40);
    const docs = lines.map((l) => JSON.parse(l) as { file: string; accepted: boolean; rejectReason?: string });
    const fwd = docs.find((d) => d.file.endsWith('forwarded-attached-rfc822.eml'));
    expect(fwd).toMatchObject({ accepted: false, rejectReason: 'sender_not_allowed' });
  });

  it('fails with a one-line error for unreadable input and still prints the readable ones', async () => {
    const io = capture();
    const code = await run([`${fixtures}canonical-single-risk.eml`, join(dir, 'missing.eml'), '--config', config]);
    expect(code).toBe(1);
    expect(io.out.join('').trim().split('\n')).toHaveLength(1);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^sepm-intake parse: .*missing\.eml: cannot read: ENOENT\n$/);
  });

  it('fails for a file that is not a readable mail', async () => {
    const bad = join(dir, 'huge-header.eml');
    writeFileSync(bad, `X-Pad: ${'a'.repeat(300 * 1024)}\r\n\r\nbody`);
    const io = capture();
    expect(await run([bad, '--config', config])).toBe(1);
    expect(io.out).toEqual([]);
    expect(io.err[0]).toMatch(/not a readable mail .*MAIL_UNREADABLE/);
  });

  it('prints usage without arguments', async () => {
    const io = capture();
    expect(await run([])).toBe(2);
    expect(io.err.join('')).toMatch(/usage: sepm-intake parse/);
  });
});
