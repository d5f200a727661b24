import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../../src/cli/index.ts';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-config-'));
  const file = join(dir, 'sepm-intake.yaml');
  writeFileSync(file, text);
  return file;
}

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('sepm-intake check-config', () => {
  it('accepts a valid file', async () => {
    const file = configFile('sepm:\n  host: sepm.corp.local\nwhitelist:\n  ips: ["10.0.0.0/8"]\n');
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: .* is valid \(sepm: sepm\.corp\.local/);
  });

  it('names a severity rule with an unknown SEP action', async () => {
    const text =
      'sepm:\n  host: sepm.corp.local\nsoar:\n  severity:\n    rules:\n      - { name: x, severity: High, actions: [Exploded] }\n';
    const r = await runCli(['check-config', configFile(text)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('soar.severity.rules[0].actions[0] "Exploded": not a SEP action');
  });

  it('names a bad whitelist entry', async () => {
    const file = configFile('whitelist:\n  ips: ["10.0.0.0/8", "10.0.0.300/8"]\n');
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('whitelist.ips[1]');
  });

  it('names a bad protected-asset entry', async () => {
    const file = configFile('policy:\n  protected:\n    ips: ["10.0.0/8"]\n');
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('policy.protected.ips');
  });

  it('refuses soar.kind ibm without sepm.host (live is the default mode), naming sepm.host', async () => {
    const file = configFile('soar:\n  kind: ibm\n  ibm:\n    url: https://soar.example\n    org: SOC\n');
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('CONFIG_INVALID');
    expect(r.err).toContain('sepm.host: required when sepm.mode is live');
  });

  it('says when the file runs the demo', async () => {
    const r = await runCli(['check-config', configFile('sepm:\n  mode: simulator\n')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('sepm: built-in simulator (demo)');
  });

  it('names an unknown key', async () => {
    const r = await runCli(['check-config', configFile('sepm:\n  hots: x\n')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sepm.*hots/);
  });
});
