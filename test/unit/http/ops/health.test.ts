import { describe, expect, it } from 'vitest';
import { readiness } from '../../../../src/http/ops/health.ts';

/** Readiness as the ops listener and the web server compute it (src/http/ops/health.ts). */

const up = { ping: async () => 'PONG' };

describe('readiness', () => {
  it('a process without an incident store (watcher) has no soar check; its mailboxes are checked', async () => {
    const checks = await readiness({
      redis: up,
      readiness: async () => ({}),
      mailSources: () => [{ name: 'inbox', kind: 'imap', state: 'standby' }],
    });
    expect(checks).toEqual({ redis: { ok: true }, 'mailbox:inbox': { ok: true, detail: 'standby' } });
  });

  it('every dependency reports on its own: a failing store and a failing extra check are both named', async () => {
    const checks = await readiness({
      redis: up,
      soar: { ping: async () => Promise.reject(new Error('disk gone')) },
      readiness: async () => ({ sepm: { ok: false, detail: 'SEPM_NETWORK' } }),
    });
    expect(checks.redis).toEqual({ ok: true });
    expect(checks.soar?.ok).toBe(false);
    expect(checks.soar?.detail).toMatch(/disk gone/);
    expect(checks.sepm).toEqual({ ok: false, detail: 'SEPM_NETWORK' });
  });
});
