/**
 * Preload for test/unit/cli/fatal.test.ts (`node --import tsx --import <this> bin/sepm-intake.js …`): once the
 * CLI entry has installed both fatal handlers, fail the way FATAL_TRIGGER says — `rejection` (a promise nobody
 * handles) or `exception` (a throw nobody catches) — while the command is running.
 */
import { setTimeout } from 'node:timers';

const installed = (): boolean =>
  process.listenerCount('uncaughtException') > 0 && process.listenerCount('unhandledRejection') > 0;

function fire(): void {
  if (process.env.FATAL_TRIGGER === 'exception') throw new Error('fatal-test: thrown');
  // Deliberately unhandled: this is the case under test.
  void Promise.reject(new Error('fatal-test: rejected'));
}

// Polls every 20 ms: the entry installs the handlers after tsx's register(), a few hundred ms after start. Fires
// anyway after 5 s, so an entry without handlers shows Node's default crash instead of a test timeout.
const deadline = Date.now() + 5000;
function poll(): void {
  setTimeout(() => (installed() || Date.now() > deadline ? fire() : poll()), 20);
}
poll();
