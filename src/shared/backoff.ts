/**
 * The one backoff module (pure apart from the injected clock and random source): capped exponential delays,
 * with equal jitter for retries and reconnects, without jitter for the SEPM command poll schedule. The reconnect
 * attempt counter resets only after a connection stayed up for `stableAfterMs`, so a server that accepts the login
 * and then drops every connection still gets exponentially spaced retries.
 */
export interface BackoffSettings {
  /** First delay, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** A connection that lasted at least this long resets the attempt counter, ms. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 1000, maxMs: 60_000, stableAfterMs: 60_000 };

/** min(capMs, baseMs * 2^attempt), ms (attempt 0 = baseMs); the exponent is bounded so it never overflows. */
export function exponentialMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/** Equal jitter: a random delay in [cap/2, cap] where cap = min(maxMs, baseMs * 2^attempt), ms. */
export function backoffDelay(
  attempt: number,
  s: Pick<BackoffSettings, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const cap = exponentialMs(attempt, s.baseMs, s.maxMs);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** The SEPM command poll schedule (config `sepm.poll*`), seconds. */
export interface PollSettings {
  pollIntervalSec: number;
  pollMaxIntervalSec: number;
}

/**
 * Delay before poll number `attempt` (0 = first poll), ms: pollIntervalSec, each next one twice as late, capped at
 * pollMaxIntervalSec. No jitter: each command has its own schedule, there is no herd to spread.
 */
export function pollDelayMs(attempt: number, s: PollSettings): number {
  return Math.max(1, Math.round(exponentialMs(attempt, s.pollIntervalSec * 1000, s.pollMaxIntervalSec * 1000)));
}

export class ReconnectBackoff {
  private attempt = 0;
  private connectedAt: number | undefined;
  private readonly settings: BackoffSettings;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(settings: BackoffSettings, now: () => number = Date.now, random: () => number = Math.random) {
    this.settings = settings;
    this.now = now;
    this.random = random;
  }

  /** Call when a connection is established. */
  connected(): void {
    this.connectedAt = this.now();
  }

  /** Call when a connection ended or failed; returns how long to wait before the next attempt, ms. */
  failed(): number {
    if (this.connectedAt !== undefined && this.now() - this.connectedAt >= this.settings.stableAfterMs) {
      this.attempt = 0;
    }
    this.connectedAt = undefined;
    const delay = backoffDelay(this.attempt, this.settings, this.random);
    this.attempt += 1;
    return delay;
  }

  get attempts(): number {
    return this.attempt;
  }
}
