import { describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { checkSepmMode, sepmModeIssues } from '../../../src/config/sepm-mode.ts';
import { AppError } from '../../../src/shared/errors.ts';

const ibm = { kind: 'ibm', ibm: { url: 'https://soar.example', org: 'SOC', apiKeyId: 'k', apiKeySecret: 's' } };

function config(raw: Record<string, unknown>): Config {
  return configSchema.parse(raw);
}

function refusal(cfg: Config, needsSepm = true): AppError {
  try {
    checkSepmMode(cfg, { needsSepm });
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('sepm.mode', () => {
  it('is live by default, also with no file at all: the simulator is never chosen by a missing key', () => {
    expect(loadConfig({ env: {} }).sepm.mode).toBe('live');
    expect(loadConfig({ env: { SEPM_INTAKE_SEPM_MODE: 'simulator' } }).sepm.mode).toBe('simulator');
  });

  it('refuses live mode without sepm.host, naming sepm.host', () => {
    const err = refusal(config({ soar: ibm }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^invalid configuration:\n- sepm\.host: required when sepm\.mode is live/);
    expect(err.message).toContain('--demo');
  });

  it('refuses the simulator with soar.kind ibm, naming sepm.mode', () => {
    const err = refusal(config({ sepm: { mode: 'simulator' }, soar: ibm }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/- sepm\.mode: simulator \(demo data\) is refused with soar\.kind: ibm/);
  });

  it('refuses the simulator next to a real sepm.host (which SEPM was meant?)', () => {
    const issues = sepmModeIssues(config({ sepm: { mode: 'simulator', host: 'sepm.corp' } }), { needsSepm: true });
    expect(issues).toEqual([{ path: 'sepm.mode', message: expect.stringContaining('ignores sepm.host (sepm.corp)') }]);
  });

  it('lists every broken rule at once', () => {
    const issues = sepmModeIssues(config({ sepm: { mode: 'simulator', host: 'h' }, soar: ibm }), { needsSepm: true });
    expect(issues.map((i) => i.path)).toEqual(['sepm.mode', 'sepm.mode']);
  });

  it('accepts live with a host, the demo with the embedded store, and no host where no role talks to SEPM', () => {
    expect(sepmModeIssues(config({ sepm: { host: 'sepm.corp' }, soar: ibm }), { needsSepm: true })).toEqual([]);
    expect(sepmModeIssues(config({ sepm: { mode: 'simulator' } }), { needsSepm: true })).toEqual([]);
    expect(sepmModeIssues(config({}), { needsSepm: false })).toEqual([]);
  });

  it('refuses an unknown mode through the schema, naming the key', () => {
    expect(() => loadConfig({ env: { SEPM_INTAKE_SEPM_MODE: 'demo' } })).toThrowError(/sepm\.mode/);
  });
});
