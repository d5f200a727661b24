import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from './backoff.ts';

/**
 * The one in-process retry policy. BullMQ owns retries: a job that fails with a retryable error is run again with
 * exponential backoff (src/jobs/catalog.ts, intake: up to 10 attempts), so retrying inside the job as well
 * multiplies the requests (4 × 4 × 5 × 10 ≈ 200+ for one SOAR merge before this policy). In-process we only
 * absorb a single blip on an idempotent read (a dropped keep-alive connection, one 502 from a load balancer) so a
 * job does not redo its earlier steps for it:
 *
 * - only idempotent reads (GET, or a read-only query) — writes are never re-sent here; they fail to BullMQ;
 * - at most 2 tries (1 retry) per call;
 * - and only while the whole call, waits included, stays within 5 s (5000 ms): a read that timed out after
 *   the request timeout (seconds to tens of seconds) is not tried again in-process, the job is retried instead.
 */

export interface ReadRetryPolicy {
  /** Tries per call, the first included. */
  tries: number;
  /** Upper bound on the time from the first try to the start of a retry, ms. */
  budgetMs: number;
  /** First backoff step, ms (equal jitter, doubling). */
  baseMs: number;
  /** Cap of one backoff step, ms. */
  capMs: number;
}

export const READ_RETRY: ReadRetryPolicy = { tries: 2, budgetMs: 5_000, baseMs: 250, capMs: 2_000 };

export interface RetryHooks {
  /** Whether this error may be retried at all (transient: network, timeout, 5xx, 429). */
  retryable: (err: unknown) => boolean;
  /** A server-given wait (e.g. Retry-After), ms; undefined = the policy's backoff. */
  waitHint?: (err: unknown) => number | undefined;
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  now?: () => number;
}

/** Runs `fn` (attempt 0, 1, …) under the policy; the last error is rethrown as is. */
export async function retryRead<T>(
  policy: ReadRetryPolicy,
  hooks: RetryHooks,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const started = now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= policy.tries || !hooks.retryable(err)) throw err;
      const wait = hooks.waitHint?.(err) ?? backoffDelay(attempt, { baseMs: policy.baseMs, maxMs: policy.capMs });
      if (now() - started + wait > policy.budgetMs) throw err;
      hooks.onRetry?.(err, attempt, wait);
      await sleep(wait);
    }
  }
}
