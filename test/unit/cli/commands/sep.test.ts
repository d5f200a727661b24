import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../src/cli/commands/sep.ts';
import { SEP_FUNCTION_NAMES } from '../../../../src/sepm/functions/schemas.ts';
import { fixture, sendJson, startFakeSepm, type FakeSepm } from '../../../helpers/fake-sepm.ts';

let sepm: FakeSepm;
let configFile: string;
let out: string;
let err: string;

beforeEach(async () => {
  sepm = await startFakeSepm();
  configFile = join(mkdtempSync(join(tmpdir(), 'sep-cmd-')), 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      log: { level: 'silent' },
      sepm: { host: '127.0.0.1', port: sepm.port, protocol: 'http', username: 'admin', password: 'pw' },
    }),
  );
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await sepm.close();
});

describe('sepm-intake sep', () => {
  it('--list prints every function with its input JSON schema', async () => {
    expect(await run(['--list'])).toBe(0);
    const list = JSON.parse(out) as { name: string; input: { properties: Record<string, unknown> } }[];
    expect(list.map((f) => f.name)).toEqual([...SEP_FUNCTION_NAMES]);
    expect(Object.keys(list.find((f) => f.name === 'scan-endpoints')!.input.properties)).toContain('sha256');
  });

  it('invalid input exits 2 with every problem listed and makes no HTTP call', async () => {
    const code = await run([
      'quarantine-endpoints',
      '--json',
      '{"computerIds":" , ","undo":"maybe"}',
      '--config',
      configFile,
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/invalid input \(2 problems\)/);
    expect(err).toMatch(/undo:/);
    expect(err).toMatch(/at least one of computerIds, groupIds, hardwareKeys/);
    expect(sepm.logins).toHaveLength(0);
    expect(sepm.requests).toHaveLength(0);
  });

  it('unknown function or bad JSON exits 2', async () => {
    expect(await run(['get-everything'])).toBe(2);
    expect(await run(['get-domains', '--json', '{nope'])).toBe(2);
    expect(sepm.logins).toHaveLength(0);
  });

  it('runs a function and prints the JSON result', async () => {
    sepm.route('GET /computers', (_r, res) => sendJson(res, 200, fixture('computers_non_compliant.mock.json')));
    const code = await run([
      'get-computers',
      '--json',
      '{"computerName":"WIN-*","status":true}',
      '--config',
      configFile,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      success: true,
      content: fixture('expected_endpoints_status_for_non_compliant_mock.json'),
    });
    expect(sepm.requests[0]!.query.get('computerName')).toBe('WIN-*');
  });
});
