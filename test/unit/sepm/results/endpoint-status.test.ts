import { describe, expect, it } from 'vitest';
import {
  annotateComputer,
  engineStateName,
  formatUtc,
  summariseEndpoints,
} from '../../../../src/sepm/results/endpoint-status.ts';
import type { EndpointStatusDetails, SepmComputer, SepmPage } from '../../../../src/sepm/functions/types.ts';
import { fixture } from '../../../helpers/fake-sepm.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('endpoint status summary (docs/reference/sep-functions.md §4)', () => {
  it('matches the oracle for computers_non_compliant.mock.json', () => {
    const page = fixture<SepmPage<SepmComputer>>('computers_non_compliant.mock.json');
    const expected = fixture('expected_endpoints_status_for_non_compliant_mock.json');
    expect(summariseEndpoints(page.content, NOW, 900)).toEqual(expected);
  });

  it('is clock dependent only through out_of_date (15 minutes after the last update nothing is stale yet)', () => {
    const page = fixture<SepmPage<SepmComputer>>('computers_non_compliant.mock.json');
    const justAfter = Date.parse('2019-03-13T10:10:00Z');
    expect(summariseEndpoints(page.content, justAfter, 900)).toMatchObject({ out_of_date: 0, up_to_date: 2 });
  });

  it('lists one detail row per non-compliant computer with engine names and UTC times', () => {
    const page = fixture<SepmPage<SepmComputer>>('computers_non_compliant.mock.json');
    const out = summariseEndpoints(page.content, NOW, 900, true) as EndpointStatusDetails;
    expect(out.eps).toHaveLength(2);
    const offline = out.eps.find((e) => e.computer_name === 'WIN-4OA0GKJN830')!;
    expect(offline).toMatchObject({
      onlineStatus: 'Offline',
      host_integrity_check: 'Failed',
      elamOnOff: 'Disabled',
      apOnOff: 'Enabled',
      readableLastUpdateTime: '2019-03-13 10:04:41',
    });
  });

  it('covers 14.3 records: osName without the lower-case duplicate, engine value 3, missing fields skipped', () => {
    const page = fixture<SepmPage<SepmComputer>>('computers_by_name.sepm14_3.integration_output.json');
    const c = page.content[0]!;
    expect(c.osname).toBeUndefined();
    const { apOnOff: _drop, ...withoutAp } = c;
    const out = summariseEndpoints([withoutAp as SepmComputer], NOW, 900, true) as EndpointStatusDetails;
    expect(out.total).toBe(1);
    expect(out.eps[0]!.apOnOff).toBe('Not reported');
    expect(engineStateName(3)).toBe('Unexpected status');
    expect(engineStateName(127)).toBe('Client not reporting');
  });

  it('keys non-compliance by uniqueId, so two hosts with the same name both count', () => {
    const base = fixture<SepmPage<SepmComputer>>('computers_non_compliant.mock.json').content[0]!;
    const twin = { ...base, uniqueId: 'OTHER' };
    expect(summariseEndpoints([base, twin], NOW, 900)).toMatchObject({ total: 2, non_compliant: 2 });
  });

  it('flags hi_failed only for Windows and only without "host integrity check passed"', () => {
    const mk = (osName: string, quarantineDesc: string): SepmComputer => ({
      computerName: osName,
      uniqueId: osName + quarantineDesc,
      osName,
      quarantineDesc,
      onlineStatus: 1,
      lastUpdateTime: NOW,
    });
    const out = summariseEndpoints(
      [mk('Windows 10', 'Host Integrity check passed.\n'), mk('Windows 10', 'failed'), mk('Ubuntu', 'failed')],
      NOW,
      900,
    );
    expect(out).toMatchObject({ hi_failed: 1, non_compliant: 1, up_to_date: 3, total: 3 });
  });

  it('adds readable UTC times and ages in seconds', () => {
    const c = annotateComputer(
      {
        computerName: 'a',
        uniqueId: 'u',
        lastScanTime: 1724225880000,
        lastUpdateTime: 0,
        lastVirusTime: 1723561216000,
      },
      1724225880000 + 1500,
    );
    // The 14.3 sample shows 03:38:00 / 11:00:16: the original formatted in its host's zone (UTC−4). Ours is UTC.
    expect(c.readableLastScanTime).toBe('2024-08-21 07:38:00');
    expect(c.readableLastVirusTime).toBe('2024-08-13 15:00:16');
    expect(c.readableLastUpdateTime).toBe('1970-01-01 00:00:00');
    expect(c.timediffLastScanTime).toBeCloseTo(1.5);
    expect(formatUtc(Date.parse('2019-03-13T10:04:41.568Z'))).toBe('2019-03-13 10:04:41');
  });
});
