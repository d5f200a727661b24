import type { Logger } from '../../shared/logger.ts';
import type { MailboxLock } from './mailbox-lock.ts';
import { withTimeout } from '../../shared/timeout.ts';

/**
 * Keeps a held MailboxLock alive: renews every ttl/3 and declares it lost when a renewal is refused or no
 * renewal succeeded for a whole TTL (e.g. Redis unreachable: a stand-by may own the mailbox by now).
 */
export class LockLease {
  private lostFlag = false;
  private timer: NodeJS.Timeout | undefined;
  private lastOk = Date.now();
  private readonly listeners: (() => void)[] = [];
  private readonly lock: MailboxLock;
  private readonly ttlMs: number;
  private readonly logger: Logger;

  constructor(lock: MailboxLock, ttlMs: number, logger: Logger) {
    this.lock = lock;
    this.ttlMs = ttlMs;
    this.logger = logger;
    this.schedule();
  }

  get lost(): boolean {
    return this.lostFlag;
  }

  /** Calls fn when the lock is lost; returns a function that unregisters it (one per IMAP session). */
  onLost(fn: () => void): () => void {
    if (this.lostFlag) {
      fn();
      return () => undefined;
    }
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.tick(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.lostFlag || !this.timer) return;
    try {
      const held = await withTimeout(this.lock.renew(), Math.floor(this.ttlMs / 3));
      if (held) this.lastOk = Date.now();
      else return this.markLost('renewal refused (lock expired or taken over)');
    } catch (err) {
      if (Date.now() - this.lastOk >= this.ttlMs) return this.markLost(`renewal failing: ${(err as Error).message}`);
    }
    if (this.timer) this.schedule();
  }

  private markLost(why: string): void {
    if (this.lostFlag) return;
    this.lostFlag = true;
    this.stop();
    this.logger.error(
      { code: 'MAILBOX_LOCK_LOST', lock: this.lock.key, why },
      'mailbox lock lost; stopping this watcher session',
    );
    for (const fn of this.listeners.splice(0)) fn();
  }
}
