import { describe, expect, it } from 'vitest';
import { policySchema } from '../../../../src/config/schema.ts';
import { protectedRules } from '../../../../src/enrich/containment/index.ts';
import { targetOf } from '../../../../src/enrich/playbooks/endpoint.ts';
import type { SepmComputer } from '../../../../src/sepm/functions/schemas.ts';

/** What the containment gate is given for a SEPM computer record (issue 10 item 6). */

const policy = policySchema.parse({ protected: { ips: ['10.0.0.0/30', 'fe80::1:2:3:4/128'] } });

const record = (over: Partial<SepmComputer>): SepmComputer => ({
  computerName: 'WS-00042',
  uniqueId: 'A'.repeat(32),
  group: { id: 'B'.repeat(32), name: 'My Company\\Workstations' },
  ipAddresses: ['10.1.2.3'],
  ...over,
});

describe('targetOf', () => {
  it('carries every address of the record, first one as the label, and the group path', () => {
    const t = targetOf(record({ ipAddresses: ['10.1.2.3', 'FE80:0000:0000:0000:0001:0002:0003:0004', '10.1.2.3'] }));
    expect(t).toEqual({
      computer: 'WS-00042',
      ip: '10.1.2.3',
      ips: ['10.1.2.3', 'FE80:0000:0000:0000:0001:0002:0003:0004'],
      group: 'My Company\\Workstations',
    });
  });

  it('a protected second NIC, IPv6 address or last-connected address makes the computer protected', () => {
    expect(protectedRules(targetOf(record({})), policy)).toEqual([]);
    expect(protectedRules(targetOf(record({ ipAddresses: ['10.1.2.3', '10.0.0.2'] })), policy)).toEqual([
      'policy.protected.ips: 10.0.0.0/30',
    ]);
    expect(
      protectedRules(
        targetOf(record({ ipAddresses: ['10.1.2.3', 'FE80:0000:0000:0000:0001:0002:0003:0004'] })),
        policy,
      ),
    ).toEqual(['policy.protected.ips: fe80::1:2:3:4/128']);
    expect(protectedRules(targetOf(record({ lastConnectedIpAddr: '10.0.0.3' })), policy)).toEqual([
      'policy.protected.ips: 10.0.0.0/30',
    ]);
  });
});
