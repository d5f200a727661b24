import { describe, expect, it } from 'vitest';
import { backoffDelay, ReconnectBackoff } from '../../../src/shared/backoff.ts';

const S = { baseMs: 1000, maxMs: 60_000, stableAfterMs: 60_000 };

describe('reconnect backoff', () => {
  it('doubles per attempt, stays within [cap/2, cap] and never exceeds maxMs', () => {
    expect(backoffDelay(0, S, () => 0)).toBe(500);
    expect(backoffDelay(0, S, () => 1)).toBe(1000);
    expect(backoffDelay(3, S, () => 1)).toBe(8000);
    expect(backoffDelay(3, S, () => 0)).toBe(4000);
    expect(backoffDelay(20, S, () => 1)).toBe(60_000);
    expect(backoffDelay(1000, S, () => 0.5)).toBe(45_000);
  });

  it('keeps growing when connections drop quickly, and resets only after a connection stayed up long enough', () => {
    let now = 0;
    const b = new ReconnectBackoff(
      S,
      () => now,
      () => 1,
    );
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      b.connected();
      now += 5_000; // dropped after 5 s: not stable
      delays.push(b.failed());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    b.connected();
    now += 61_000; // stayed up past stableAfterMs
    expect(b.failed()).toBe(1000);
  });

  it('grows on failed connection attempts (no connected() in between)', () => {
    const b = new ReconnectBackoff(
      S,
      () => 0,
      () => 1,
    );
    expect([b.failed(), b.failed(), b.failed()]).toEqual([1000, 2000, 4000]);
  });
});
