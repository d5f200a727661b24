import { describe, expect, it } from 'vitest';
import { checkConfigSemantics } from '../../src/config-checks.ts';
import { loadConfig } from '../../src/config/load.ts';

/** The semantic checks main.ts and `check-config` run: each domain's compiler, one bad entry named at load. */

const load = (yaml: string) => loadConfig({ file: 'c.yaml', env: {}, readText: () => yaml });

describe('checkConfigSemantics', () => {
  it('accepts the defaults', () => {
    expect(() => checkConfigSemantics(load('{}\n'))).not.toThrow();
  });

  it.each([
    ['whitelist:\n  ips: ["10.0.0.300/8"]\n', 'WHITELIST_ENTRY_INVALID', 'whitelist.ips[0]'],
    ['senderAuth:\n  trustedRelays: ["sepm 01"]\n', 'CONFIG_INVALID', 'senderAuth.trustedRelays[0]'],
    ['policy:\n  protected:\n    ips: ["10.0.0.300"]\n', 'CONFIG_INVALID', 'policy.protected.ips'],
    ['mail:\n  filter:\n    subjectPatterns: ["/(a)\\\\1/"]\n', 'CONFIG_INVALID', 'mail.filter.subjectPatterns[0]'],
  ])('refuses %j naming the entry', (yaml, code, named) => {
    let err: unknown;
    try {
      checkConfigSemantics(load(yaml));
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string } | undefined)?.code).toBe(code);
    expect((err as Error).message).toContain(named);
  });
});
