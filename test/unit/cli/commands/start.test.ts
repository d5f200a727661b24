import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../../src/cli/index.ts';

/**
 * `sepm-intake start` refuses a configuration without a SEPM before anything starts. Redis points at a closed
 * port, so a start that got past the configuration checks would fail with REDIS_UNREACHABLE instead of hanging.
 */

const saved = { ...process.env };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-cli-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('SEPM_INTAKE_')) delete process.env[k];
  process.env.SEPM_INTAKE_REDIS_URL = 'redis://127.0.0.1:1';
  process.env.SEPM_INTAKE_SPOOL_DIR = join(dir, 'inbox');
  process.env.SEPM_INTAKE_LOG_LEVEL = 'silent';
});
afterEach(() => {
  process.env = { ...saved };
});

async function start(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const e = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
  try {
    return { code: await main(['start', ...args]), err };
  } finally {
    process.stderr.write = e;
  }
}

describe('sepm-intake start', () => {
  it('without --demo and without sepm.host refuses to start, naming sepm.host', async () => {
    const r = await start([]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('CONFIG_INVALID');
    expect(r.err).toContain('sepm.host: required when sepm.mode is live');
  });

  it('--demo with soar.kind ibm is refused, naming sepm.mode', async () => {
    const file = join(dir, 'ibm.yaml');
    writeFileSync(file, 'soar:\n  kind: ibm\n  ibm:\n    url: https://soar.example\n    org: SOC\n');
    const r = await start(['--demo', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('sepm.mode: simulator (demo data) is refused with soar.kind: ibm');
  });

  it('--demo gets past the SEPM checks (here: up to the Redis check)', async () => {
    const r = await start(['--demo']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('REDIS_UNREACHABLE');
  });
});
