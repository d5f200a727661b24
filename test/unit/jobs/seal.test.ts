import { describe, expect, it } from 'vitest';
import { requestMeaning } from '../../../src/jobs/job-id.ts';
import { validateJobPayload } from '../../../src/jobs/catalog.ts';
import {
  checkSeal,
  claimsAutomation,
  SEAL_LIFETIME_MS,
  sealJob,
  verifySeal,
  withSeal,
} from '../../../src/jobs/seal.ts';

const KEY = 'a'.repeat(64);
const data = { incidentId: 7, computer: 'WS-0001', requestedBy: 'auto', senderVerdict: 'trusted' };
const Q = { jobName: 'quarantine-endpoint', jobId: 'quarantine-endpoint.i7.abc.b1' };

/** What comes back from Redis: JSON-parsed job data. */
const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('automation seal', () => {
  it('verifies what it sealed, also after the JSON round trip through Redis and with keys reordered', () => {
    const sealed = roundTrip(withSeal(KEY, Q, data));
    expect(sealed.automationSeal).toMatch(/^v2\.\d+\.\d+\.[0-9a-f]{64}$/);
    expect(verifySeal(KEY, Q, sealed)).toBe(true);
    const { computer, incidentId, senderVerdict, requestedBy } = data;
    const reordered = { automationSeal: sealed.automationSeal, senderVerdict, computer, requestedBy, incidentId };
    expect(verifySeal(KEY, Q, reordered)).toBe(true);
  });

  it('survives Dates (stored as strings) in the payload', () => {
    const withDate = { incidentId: 1, senderVerdict: 'trusted', events: [{ at: new Date(1_700_000_000_000) }] };
    const t = { jobName: 'incident-ready', jobId: 'ready-1' };
    expect(verifySeal(KEY, t, roundTrip(withSeal(KEY, t, withDate)))).toBe(true);
  });

  it('refuses a tampered payload, a tampered verdict or requester, another job name and a wrong key', () => {
    const sealed = withSeal(KEY, Q, data);
    expect(verifySeal(KEY, Q, { ...sealed, computer: 'DC-01' })).toBe(false);
    expect(verifySeal(KEY, Q, { ...sealed, extra: 1 })).toBe(false);
    const untrusted = withSeal(KEY, Q, { ...data, senderVerdict: 'untrusted' });
    expect(verifySeal(KEY, Q, { ...untrusted, senderVerdict: 'trusted' })).toBe(false);
    const analyst = withSeal(KEY, Q, { ...data, requestedBy: 'analyst' });
    expect(verifySeal(KEY, Q, { ...analyst, requestedBy: 'auto' })).toBe(false);
    expect(verifySeal(KEY, { ...Q, jobName: 'remediate-artifact' }, sealed)).toBe(false);
    expect(verifySeal('b'.repeat(64), Q, sealed)).toBe(false);
  });

  it('is bound to the job id: the same data under another id does not verify', () => {
    const sealed = withSeal(KEY, Q, data);
    expect(checkSeal(KEY, { ...Q, jobId: 'copy-1' }, sealed)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('expires after its lifetime (24 h by default) and its window cannot be edited', () => {
    const t0 = 1_800_000_000_000;
    const sealed = withSeal(KEY, Q, data, { now: t0 });
    expect(verifySeal(KEY, Q, sealed, t0 + SEAL_LIFETIME_MS - 1)).toBe(true);
    expect(checkSeal(KEY, Q, sealed, t0 + SEAL_LIFETIME_MS)).toEqual({ ok: false, reason: 'expired' });
    expect(SEAL_LIFETIME_MS).toBe(24 * 3600 * 1000);
    const [v, at, , mac] = sealed.automationSeal.split('.');
    const stretched = { ...sealed, automationSeal: [v, at, String(t0 + 10 * SEAL_LIFETIME_MS), mac].join('.') };
    expect(checkSeal(KEY, Q, stretched, t0 + SEAL_LIFETIME_MS)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a missing, malformed, old-format or non-string seal without throwing', () => {
    expect(checkSeal(KEY, Q, data)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySeal(KEY, Q, { ...data, automationSeal: 'zz' })).toBe(false);
    expect(verifySeal(KEY, Q, { ...data, automationSeal: 'ab'.repeat(32) })).toBe(false);
    expect(verifySeal(KEY, Q, { ...data, automationSeal: `v2.1.9999999999999.${'ab'.repeat(33)}` })).toBe(false);
    expect(verifySeal(KEY, Q, { ...data, automationSeal: 42 })).toBe(false);
    expect(verifySeal(KEY, Q, null)).toBe(false);
  });

  it('the seal covers the claims: sealJob differs when only requestedBy or senderVerdict differ', () => {
    const base = { incidentId: 7 };
    const t = { jobName: 'x', jobId: 'x.1' };
    const mac = (d: Record<string, unknown>) => sealJob(KEY, t, d, { now: 0 });
    const seals = new Set([
      mac({ ...base, requestedBy: 'auto' }),
      mac({ ...base, requestedBy: 'analyst' }),
      mac({ ...base, senderVerdict: 'trusted' }),
      mac(base),
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
    const sealed = withSeal(KEY, Q, data);
    const v = validateJobPayload('quarantine-endpoint', sealed);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.payload).not.toHaveProperty('automationSeal');
    const id = (p: Record<string, unknown>) => requestMeaning('n', p);
    expect(id(sealed)).toBe(id(data));
  });
});
