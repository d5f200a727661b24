import { describe, expect, it } from 'vitest';
import { TokenManager, type LoginResult } from '../../../../src/sepm/client/token-manager.ts';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';

function manager(login: () => Promise<LoginResult>, clock: { now: number }, marginSec = 60) {
  return new TokenManager({ login, refreshMarginSec: marginSec, authFailureBackoffMs: 30_000, now: () => clock.now });
}

describe('TokenManager', () => {
  it('treats an absent tokenExpiration as 12 h', async () => {
    const clock = { now: 0 };
    let n = 0;
    const tm = manager(async () => ({ token: `t${++n}` }), clock);
    await tm.get();
    clock.now = (43_200 - 61) * 1000;
    expect(await tm.get()).toBe('t1');
    clock.now = (43_200 - 59) * 1000;
    expect(await tm.get()).toBe('t2');
  });

  it('keeps at least half the lifetime when the margin exceeds it (no login per call)', async () => {
    const clock = { now: 0 };
    let n = 0;
    const tm = manager(async () => ({ token: `t${++n}`, tokenExpiration: 30 }), clock, 600);
    await tm.get();
    clock.now = 14_000;
    expect(await tm.get()).toBe('t1');
    expect(tm.logins).toBe(1);
  });

  it('shares one failing login between concurrent callers, then backs off, then tries again', async () => {
    const clock = { now: 0 };
    let calls = 0;
    const refused = new AppError(ErrorCodes.SEPM_AUTH_FAILED, 'refused', { status: 401 });
    const tm = manager(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (calls === 1) throw refused;
      return { token: 'ok', tokenExpiration: 600 };
    }, clock);
    const results = await Promise.allSettled([tm.get(), tm.get(), tm.get()]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await expect(tm.get()).rejects.toBe(refused);
    expect(calls).toBe(1);
    clock.now = 30_001;
    await expect(tm.get()).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('does not back off after a network failure (only a refused login)', async () => {
    const clock = { now: 0 };
    let calls = 0;
    const tm = manager(async () => {
      if (++calls === 1) throw new AppError(ErrorCodes.SEPM_NETWORK, 'reset', { retryable: true });
      return { token: 'ok' };
    }, clock);
    await expect(tm.get()).rejects.toMatchObject({ code: ErrorCodes.SEPM_NETWORK });
    await expect(tm.get()).resolves.toBe('ok');
  });

  it('invalidate drops only the token that failed', async () => {
    const clock = { now: 0 };
    let n = 0;
    const tm = manager(async () => ({ token: `t${++n}` }), clock);
    await tm.get();
    await tm.invalidate('stale-other');
    expect(await tm.get()).toBe('t1');
    await tm.invalidate('t1');
    expect(await tm.get()).toBe('t2');
  });
});
