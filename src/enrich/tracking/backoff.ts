/**
 * Poll schedule for SEPM commands (pure): the first poll after pollIntervalSec, each next one twice as late, capped
 * at pollMaxIntervalSec; a command that has not reached a terminal state scanTimeoutSec after it started is
 * reported "Timedout" (the spelling of the original data-table tooltip; one constant everywhere).
 */
export const TIMEDOUT = 'Timedout';

export interface PollSettings {
  pollIntervalSec: number;
  pollMaxIntervalSec: number;
  scanTimeoutSec: number;
}

/** Delay before poll number `attempt` (0 = first poll), ms. */
export function pollDelayMs(attempt: number, s: PollSettings): number {
  const sec = Math.min(s.pollIntervalSec * 2 ** Math.max(0, attempt), s.pollMaxIntervalSec);
  return Math.max(1, Math.round(sec * 1000));
}

/** True when the command started at `startedAtMs` has run out of time at `nowMs`. */
export function isTimedOut(startedAtMs: number, nowMs: number, s: PollSettings): boolean {
  return nowMs - startedAtMs >= s.scanTimeoutSec * 1000;
}
