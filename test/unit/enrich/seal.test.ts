import { describe, expect, it } from 'vitest';
import { computeJobId } from '../../../src/enrich/jobs/job-id.ts';
import { validateJobPayload } from '../../../src/enrich/jobs/registry.ts';
import { claimsAutomation, sealJob, verifySeal, withSeal } from '../../../src/enrich/jobs/seal.ts';

const KEY = 'a'.repeat(64);
const data = { incidentId: 7, computer: 'WS-0001', requestedBy: 'auto', senderVerdict: 'trusted' };

/** What comes back from Redis: JSON-parsed job data. */
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('automation seal', () => {
  it('verifies what it sealed, also after the JSON round trip through Redis and with keys reordered', () => {
    const sealed = roundTrip(withSeal(KEY, 'quarantine-endpoint', data));
    expect(sealed.automationSeal).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySeal(KEY, 'quarantine-endpoint', sealed)).toBe(true);
    const { computer, incidentId, senderVerdict, requestedBy } = data;
    const reordered = { automationSeal: sealed.automationSeal, senderVerdict, computer, requestedBy, incidentId };
    expect(verifySeal(KEY, 'quarantine-endpoint', reordered)).toBe(true);
  });

  it('survives Dates (stored as strings) in the payload', () => {
    const withDate = { incidentId: 1, senderVerdict: 'trusted', events: [{ at: new Date(1_700_000_000_000) }] };
    expect(verifySeal(KEY, 'incident-ready', roundTrip(withSeal(KEY, 'incident-ready', withDate)))).toBe(true);
  });

  it('refuses a tampered payload, a tampered verdict or requester, another job name and a wrong key', () => {
    const sealed = withSeal(KEY, 'quarantine-endpoint', data);
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...sealed, computer: 'DC-01' })).toBe(false);
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...sealed, extra: 1 })).toBe(false);
    const untrusted = withSeal(KEY, 'quarantine-endpoint', { ...data, senderVerdict: 'untrusted' });
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...untrusted, senderVerdict: 'trusted' })).toBe(false);
    const analyst = withSeal(KEY, 'quarantine-endpoint', { ...data, requestedBy: 'analyst' });
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...analyst, requestedBy: 'auto' })).toBe(false);
    expect(verifySeal(KEY, 'remediate-artifact', sealed)).toBe(false);
    expect(verifySeal('b'.repeat(64), 'quarantine-endpoint', sealed)).toBe(false);
  });

  it('refuses a missing, malformed or non-string seal without throwing', () => {
    expect(verifySeal(KEY, 'quarantine-endpoint', data)).toBe(false);
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...data, automationSeal: 'zz' })).toBe(false);
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...data, automationSeal: 'ab'.repeat(33) })).toBe(false);
    expect(verifySeal(KEY, 'quarantine-endpoint', { ...data, automationSeal: 42 })).toBe(false);
    expect(verifySeal(KEY, 'quarantine-endpoint', null)).toBe(false);
  });

  it('the seal covers the claims: sealJob differs when only requestedBy or senderVerdict differ', () => {
    const base = { incidentId: 7 };
    const seals = new Set([
      sealJob(KEY, 'x', { ...base, requestedBy: 'auto' }),
      sealJob(KEY, 'x', { ...base, requestedBy: 'analyst' }),
      sealJob(KEY, 'x', { ...base, senderVerdict: 'trusted' }),
      sealJob(KEY, 'x', base),
    ]);
    expect(seals.size).toBe(4);
  });

  it('names the claims that need a seal', () => {
    expect(claimsAutomation({ requestedBy: 'auto' })).toBe(true);
    expect(claimsAutomation({ senderVerdict: 'trusted' })).toBe(true);
    expect(claimsAutomation({ requestedBy: 'analyst', senderVerdict: 'untrusted' })).toBe(false);
    expect(claimsAutomation('auto')).toBe(false);
  });

  it('the seal field neither fails payload validation nor changes the job id', () => {
    const sealed = withSeal(KEY, 'quarantine-endpoint', data);
    const v = validateJobPayload('quarantine-endpoint', sealed);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.payload).not.toHaveProperty('automationSeal');
    const id = (p: Record<string, unknown>) => computeJobId({ name: 'n', payload: p, windowSec: 60, now: 0 });
    expect(id(sealed)).toBe(id(data));
  });
});
