import { describe, expect, it } from 'vitest';
import {
  evaluateContainment,
  protectedRules,
  type ContainmentRequest,
} from '../../../../src/enrich/containment/index.ts';
import { policySchema, type PolicyConfig } from '../../../../src/config/schema.ts';

const policy = (over: Record<string, unknown> = {}): PolicyConfig => policySchema.parse(over);

const autoAll = policy({
  actions: {
    quarantine: { auto: true },
    remediate: { auto: true },
    blacklist: { auto: true },
    lockdown: { auto: true },
    move: { auto: true },
  },
  protected: {
    hosts: ['DC*', 'sepm01.corp.local'],
    groups: ['My Company\\Servers\\**', 'My Company/VIP'],
    ips: ['10.10.0.0/16', '192.0.2.5-192.0.2.9', '2001:db8:1::/48'],
  },
});

const req = (over: Partial<ContainmentRequest>): ContainmentRequest => ({
  action: 'quarantine',
  automatic: true,
  senderVerdict: 'trusted',
  target: { computer: 'WS042', ip: '10.20.1.4', group: 'My Company\\Workstations' },
  ...over,
});

describe('evaluateContainment — automatic requests', () => {
  it('allows an enabled action for a trusted mail and an unprotected target', () => {
    const d = evaluateContainment(req({}), autoAll);
    expect(d).toEqual({
      allowed: true,
      dryRun: false,
      reasons: [
        'automatic quarantine of computer WS042, IP 10.20.1.4, group My Company\\Workstations allowed',
        'within policy; subject to the hourly cap of 10',
      ],
    });
  });

  it('is off by default: the default policy refuses every automatic action', () => {
    for (const action of ['quarantine', 'remediate', 'blacklist', 'lockdown', 'move'] as const) {
      const d = evaluateContainment(req({ action }), policy());
      expect(d.allowed).toBe(false);
      expect(d.reasons).toContain(`automatic ${action} is not enabled (policy.actions.${action}.auto is false)`);
    }
  });

  it('enabling one action does not enable another', () => {
    const p = policy({ actions: { blacklist: { auto: true } } });
    expect(evaluateContainment(req({ action: 'blacklist' }), p).allowed).toBe(true);
    expect(evaluateContainment(req({ action: 'quarantine' }), p).allowed).toBe(false);
  });

  it('refuses untrusted or unknown sender verdicts', () => {
    const untrusted = evaluateContainment(req({ senderVerdict: 'untrusted' }), autoAll);
    expect(untrusted.allowed).toBe(false);
    expect(untrusted.reasons).toContain("the source mail's sender verdict is untrusted, not trusted");
    const unknown = evaluateContainment(req({ senderVerdict: undefined }), autoAll);
    expect(unknown.allowed).toBe(false);
    expect(unknown.reasons).toContain("the source mail's sender verdict is unknown, not trusted");
  });

  it('refuses endpoint actions whose target cannot be checked, but allows a hash blacklist without a host', () => {
    const d = evaluateContainment(req({ target: { group: 'My Company\\Workstations' } }), autoAll);
    expect(d.allowed).toBe(false);
    expect(d.reasons).toContain(
      'the target names no computer or IP, so it cannot be checked against the protected lists',
    );
    expect(evaluateContainment(req({ action: 'blacklist', target: {} }), autoAll).allowed).toBe(true);
    // An IP that is no address cannot be checked either.
    expect(evaluateContainment(req({ target: { ip: 'unknown' } }), autoAll).allowed).toBe(false);
    expect(evaluateContainment(req({ target: { ip: '10.20.1.4' } }), autoAll).allowed).toBe(true);
  });

  it('lists every refusal reason at once', () => {
    const d = evaluateContainment(
      req({ senderVerdict: 'untrusted', target: { computer: 'dc01.corp.local' } }),
      policy({ protected: { hosts: ['dc*'] } }),
    );
    expect(d.reasons).toEqual([
      'automatic quarantine of computer dc01.corp.local refused',
      'target is protected (policy.protected.hosts: dc*)',
      'automatic quarantine is not enabled (policy.actions.quarantine.auto is false)',
      "the source mail's sender verdict is untrusted, not trusted",
    ]);
  });
});

describe('protected targets', () => {
  it.each([
    [{ computer: 'DC01' }, 'policy.protected.hosts: DC*'],
    [{ computer: 'dc02.corp.local' }, 'policy.protected.hosts: DC*'],
    [{ computer: 'SEPM01.CORP.LOCAL' }, 'policy.protected.hosts: sepm01.corp.local'],
    [{ computer: 'SEPM01' }, 'policy.protected.hosts: sepm01.corp.local'],
    [{ ip: '10.10.200.1' }, 'policy.protected.ips: 10.10.0.0/16'],
    [{ ip: '::ffff:10.10.0.1' }, 'policy.protected.ips: 10.10.0.0/16'],
    [{ ip: '192.0.2.7' }, 'policy.protected.ips: 192.0.2.5-192.0.2.9'],
    [{ ip: '2001:db8:1:ff::1' }, 'policy.protected.ips: 2001:db8:1::/48'],
    [{ group: 'My Company\\Servers\\Domain Controllers' }, 'policy.protected.groups: My Company\\Servers\\**'],
    [{ group: 'my company/servers/sql/prod' }, 'policy.protected.groups: My Company\\Servers\\**'],
    [{ group: 'My Company\\VIP' }, 'policy.protected.groups: My Company/VIP'],
  ])('%j is protected by %s — refused for automatic and analyst requests', (target, rule) => {
    expect(protectedRules(target, autoAll)).toEqual([rule]);
    for (const automatic of [true, false]) {
      const d = evaluateContainment(req({ automatic, target }), autoAll);
      expect(d.allowed).toBe(false);
      expect(d.reasons).toContain(`target is protected (${rule})`);
    }
  });

  it.each([
    [{ computer: 'WS-DC01' }],
    [{ computer: 'sepm01.other.local' }],
    [{ ip: '10.11.0.1' }],
    [{ ip: '192.0.2.10' }],
    [{ group: 'My Company\\VIP\\Assistants' }],
    [{ group: 'My Company\\Servers-Old' }],
  ])('%j is not protected', (target) => {
    expect(protectedRules(target, autoAll)).toEqual([]);
  });

  it('X\\** also protects the group X itself, not its siblings or look-alikes (issue 10 item 16)', () => {
    const rule = 'policy.protected.groups: My Company\\Servers\\**';
    for (const group of ['My Company\\Servers', 'my company/servers', 'My Company\\Servers\\DMZ']) {
      expect(protectedRules({ group }, autoAll)).toEqual([rule]);
    }
    for (const group of ['My Company', 'My Company\\Servers-Old', 'My Company\\ServersX\\A', 'Other\\Servers']) {
      expect(protectedRules({ group }, autoAll)).toEqual([]);
    }
    // Direct-children globs keep their meaning: `X\*` protects the children, not X.
    const children = policy({ protected: { groups: ['My Company\\Lab\\*', 'My Company\\*\\Vault\\**'] } });
    expect(protectedRules({ group: 'My Company\\Lab' }, children)).toEqual([]);
    expect(protectedRules({ group: 'My Company\\Lab\\A' }, children)).toEqual([
      'policy.protected.groups: My Company\\Lab\\*',
    ]);
    expect(protectedRules({ group: 'My Company\\Paris\\Vault' }, children)).toEqual([
      'policy.protected.groups: My Company\\*\\Vault\\**',
    ]);
  });

  it('checks every address of the endpoint, IPv4 and IPv6, not only the first (issue 10 item 6)', () => {
    const second = { computer: 'WS042', ip: '10.20.1.4', ips: ['10.20.1.4', '10.10.3.3'] };
    expect(protectedRules(second, autoAll)).toEqual(['policy.protected.ips: 10.10.0.0/16']);
    const v6 = { computer: 'WS042', ip: '10.20.1.4', ips: ['10.20.1.4', '2001:DB8:1:0:0:0:0:42'] };
    expect(protectedRules(v6, autoAll)).toEqual(['policy.protected.ips: 2001:db8:1::/48']);
    expect(evaluateContainment(req({ automatic: false, target: v6 }), autoAll).allowed).toBe(false);
    // An automatic endpoint action may name its target by any one valid address.
    const onlyIps = { ips: ['not-an-ip', '10.20.1.4'] };
    expect(evaluateContainment(req({ target: onlyIps }), autoAll).allowed).toBe(true);
  });

  it('checks every target field: one protected field is enough', () => {
    const d = evaluateContainment(req({ target: { computer: 'WS042', ip: '10.10.1.1' } }), autoAll);
    expect(d.allowed).toBe(false);
  });

  it('rejects invalid protected entries with CONFIG_INVALID naming the entry', () => {
    const bad = policy({ protected: { ips: ['10.0.0.0/8', '10.0.0/8'] } });
    expect(() => evaluateContainment(req({}), bad)).toThrow(/policy\.protected\.ips\[1\] "10\.0\.0\/8"/);
    try {
      evaluateContainment(req({}), bad);
    } catch (err) {
      expect((err as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });
});

describe('analyst requests', () => {
  it('are allowed without auto, without a sender verdict and with the default policy', () => {
    const d = evaluateContainment(
      { action: 'move', automatic: false, target: { computer: 'WS042', group: 'My Company\\Workstations' } },
      policy(),
    );
    expect(d).toEqual({
      allowed: true,
      dryRun: false,
      reasons: ['analyst move of computer WS042, group My Company\\Workstations allowed'],
    });
  });
});

describe('dry run', () => {
  it('mirrors policy.dryRun on allowed and refused decisions', () => {
    const dry = policySchema.parse({ ...autoAll, dryRun: true });
    const ok = evaluateContainment(req({}), dry);
    expect(ok.allowed).toBe(true);
    expect(ok.dryRun).toBe(true);
    expect(ok.reasons).toContain('dry run: nothing will be sent to SEPM (policy.dryRun is true)');
    const refused = evaluateContainment(req({ senderVerdict: 'untrusted' }), dry);
    expect(refused).toMatchObject({ allowed: false, dryRun: true });
    expect(evaluateContainment(req({}), autoAll).dryRun).toBe(false);
  });

  it('refuses an unknown action coming from an untrusted payload', () => {
    const d = evaluateContainment(req({ action: 'format-disk' as never }), autoAll);
    expect(d).toEqual({ allowed: false, dryRun: false, reasons: ['unknown containment action "format-disk"'] });
  });
});
