import type { ImapFlow } from 'imapflow';
import type { Redis } from 'ioredis';
import type { ImapSourceConfig } from '../../config/schema.ts';
import type { EnvelopeFilterConfig } from '../../mail/envelope-filter.ts';
import { AppError, ErrorCodes, describeError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { recordImapReconnect } from '../../shared/metrics.ts';
import { DEFAULT_BACKOFF, ReconnectBackoff, type BackoffSettings } from '../../shared/backoff.ts';
import { CursorStore } from './cursor-store.ts';
import { createImapClient, toImapError } from './client.ts';
import { scanMailbox } from './scan.ts';
import { ensureFolders } from './folders.ts';
import { createTokenProvider } from './oauth2.ts';
import type { TokenProvider } from './token-provider.ts';
import { PendingMail } from './settle.ts';
import type { IntakeProducer } from '../../jobs/intake-queue.ts';
import { LockLease } from './lease.ts';
import { withTimeout } from '../../shared/timeout.ts';
import { MailboxLock } from './mailbox-lock.ts';

/**
 * Watches one IMAP mailbox. Stand-by until it holds the mailbox lock; then connects (a new client per attempt,
 * capped exponential backoff with jitter), scans past the cursor, and IDLEs. Every idleRefreshSec the IDLE is
 * broken with a NOOP (with a timeout) so a dead connection is noticed, and a rescan runs as a safety net.
 */
export interface WatcherTiming {
  /** Mailbox lock lifetime without renewal, ms. */
  lockTtlMs: number;
  /** How often a stand-by tries to take the lock, ms. */
  standbyPollMs: number;
  backoff: BackoffSettings;
  /** NOOP answer deadline; longer means the connection is considered dead, ms. */
  noopTimeoutMs: number;
  /** Messages per FETCH round trip. */
  batchSize: number;
  /** After mail arrived, poll with NOOP instead of IDLE for this long, ms (0 = always IDLE). */
  hotPollMs: number;
}

/** NOOP interval while hot-polling, ms. */
const HOT_POLL_INTERVAL_MS = 50;
/** While queued mail waits for its intake job, the mailbox is settled (marked done) this often, ms. */
const SETTLE_POLL_MS = 1000;

export const DEFAULT_WATCHER_TIMING: WatcherTiming = {
  lockTtlMs: 30_000,
  standbyPollMs: 5_000,
  backoff: DEFAULT_BACKOFF,
  noopTimeoutMs: 30_000,
  batchSize: 200,
  hotPollMs: 3000,
};

export interface ImapWatcherOptions {
  source: ImapSourceConfig;
  filter: EnvelopeFilterConfig;
  /** Connection for the lock, the cursor and quarantine records (may be the producer's). */
  redis: Redis;
  prefix: string;
  producer: IntakeProducer;
  logger: Logger;
  timing?: Partial<WatcherTiming>;
  /** Overrides the IMAP client factory (tests); oauthToken is the token provider's token for this connection. */
  createClient?: (src: ImapSourceConfig, oauthToken?: string) => ImapFlow;
}

/** Per-session IDLE bookkeeping: how to wake the current IDLE wait, and when the next liveness NOOP is due (epoch ms). */
interface IdleSession {
  wake: () => void;
  refreshDue: number;
}

export type WatcherState = 'new' | 'standby' | 'connecting' | 'active' | 'stopped';

export class ImapWatcher {
  state: WatcherState = 'new';
  lastMailAt = Date.now();
  enqueuedTotal = 0;
  /** Mails marked done (their intake job finished) by this watcher. */
  doneTotal = 0;
  private stopping = false;
  private stopSignal!: Promise<'stop'>;
  private fireStop: () => void = () => undefined;
  private running: Promise<void> | undefined;
  private client: ImapFlow | undefined;
  private lastNoMailWarn = 0;
  private readonly o: ImapWatcherOptions;
  private readonly t: WatcherTiming;
  private readonly log: Logger;
  private readonly lock: MailboxLock;
  private readonly cursors: CursorStore;
  /** Set when the source uses oauth2: a valid access token for every connection. */
  private readonly tokens: TokenProvider | undefined;
  private readonly pending: PendingMail;
  /** Mails queued but not yet done after the last pass, and when that pass ran (epoch ms). */
  private pendingCount = 0;
  private lastScanAt = 0;

  constructor(options: ImapWatcherOptions) {
    this.o = options;
    this.t = { ...DEFAULT_WATCHER_TIMING, ...options.timing };
    this.log = options.logger.child({ source: options.source.name, mailbox: options.source.mailbox });
    this.lock = new MailboxLock(options.redis, options.prefix, options.source.name, { ttlMs: this.t.lockTtlMs });
    this.cursors = new CursorStore(options.redis, options.prefix, options.source.name);
    const oauth2 = options.source.oauth2;
    this.tokens = oauth2 ? createTokenProvider(options.source.name, oauth2) : undefined;
    this.pending = new PendingMail(options.redis, options.prefix, options.source.name);
    this.stopSignal = new Promise((resolve) => (this.fireStop = () => resolve('stop')));
  }

  start(): void {
    if (this.running) return;
    this.running = this.loop().catch((err: unknown) =>
      this.log.error({ err: describeError(err) }, 'watcher loop failed'),
    );
  }

  /** Stops taking mail; the batch in flight finishes (or is seen again next time) within deadlineMs. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopping = true;
    this.fireStop();
    if (!this.running) return;
    try {
      await withTimeout(this.running, deadlineMs);
    } catch {
      this.client?.close();
      this.log.warn({ deadlineMs }, 'watcher did not stop in time; connection closed');
    }
    this.state = 'stopped';
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.state = 'standby';
      let held = false;
      try {
        held = await this.lock.tryAcquire();
      } catch (err) {
        this.log.warn({ err: describeError(err) }, 'cannot reach Redis for the mailbox lock');
      }
      if (!held) {
        await this.pause(this.t.standbyPollMs);
        continue;
      }
      this.log.info('mailbox lock acquired; this watcher is active');
      const lease = new LockLease(this.lock, this.t.lockTtlMs, this.log);
      try {
        await this.runActive(lease);
      } finally {
        lease.stop();
        if (!lease.lost) await withTimeout(this.lock.release(), 2000).catch(() => undefined);
      }
    }
    this.state = 'stopped';
  }

  private async runActive(lease: LockLease): Promise<void> {
    const backoff = new ReconnectBackoff(this.t.backoff);
    while (!this.stopping && !lease.lost) {
      try {
        await this.runSession(lease, backoff);
      } catch (err) {
        const e = toImapError(err, this.o.source.name);
        // A refused token may have been revoked before its expiry: the next attempt asks for a new one.
        if (e.code === ErrorCodes.IMAP_AUTH_FAILED) this.tokens?.invalidate();
        this.log.warn({ code: e.code, err: e.message }, 'imap session ended');
      }
      if (this.stopping || lease.lost) return;
      const delay = backoff.failed();
      this.state = 'connecting';
      this.log.info({ delayMs: delay, attempt: backoff.attempts }, 'reconnecting to imap server');
      recordImapReconnect(this.o.source.name);
      await this.pause(delay);
    }
  }

  private async runSession(lease: LockLease, backoff: ReconnectBackoff): Promise<void> {
    const oauthToken = this.tokens ? await this.tokens.token() : undefined;
    const client = (this.o.createClient ?? createImapClient)(this.o.source, oauthToken);
    this.client = client;
    let dirty = true;
    const session: IdleSession = { wake: () => undefined, refreshDue: Date.now() + this.refreshMs() };
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap connection error'));
    client.on('exists', () => {
      dirty = true;
      session.wake();
    });
    const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')));
    const unsubscribe = lease.onLost(() => client.close());
    try {
      this.state = 'connecting';
      await client.connect();
      backoff.connected();
      await ensureFolders(client, this.folders());
      await client.mailboxOpen(this.o.source.mailbox);
      this.state = 'active';
      this.log.info('imap session open');
      while (!this.stopping && !lease.lost && client.usable) {
        if (this.pendingCount > 0 && Date.now() - this.lastScanAt >= SETTLE_POLL_MS) dirty = true;
        if (dirty) {
          dirty = false;
          await this.scan(client, lease);
          continue;
        }
        if (Date.now() - this.lastMailAt < this.t.hotPollMs) {
          // Alerts come in bursts and servers delay IDLE notifications (Dovecot batches them for 0.5 s):
          // right after mail arrived, poll with NOOP, which returns new EXISTS at once.
          const tick = this.delay(HOT_POLL_INTERVAL_MS);
          await Promise.race([tick.promise, closed, this.stopSignal]);
          tick.cancel();
          if (!this.stopping && client.usable) await withTimeout(client.noop(), this.t.noopTimeoutMs);
          continue;
        }
        // OR, not assign: an EXISTS in the NOOP's answer has already set dirty through the 'exists' handler.
        if (await this.idleOnce(client, session, closed)) dirty = true;
      }
    } finally {
      unsubscribe();
      if (client.usable) await withTimeout(client.logout(), 5000).catch(() => client.close());
      else client.close();
      this.client = undefined;
    }
  }

  /**
   * One IDLE round; true when the mailbox should be scanned. Ends on new mail (untagged EXISTS), at the next
   * NOOP poll (idlePollMs: the fallback for servers that hold EXISTS back inside IDLE), at the idleRefreshSec
   * liveness NOOP (which also rescans, the safety net), on close or on stop.
   */
  private async idleOnce(client: ImapFlow, session: IdleSession, closed: Promise<'closed'>): Promise<boolean> {
    const woken = new Promise<'exists'>((resolve) => (session.wake = () => resolve('exists')));
    void client.idle().catch(() => undefined);
    const untilRefresh = Math.max(0, session.refreshDue - Date.now());
    const pollMs = this.o.source.idlePollMs;
    // Queued mail is marked done soon after its job finished, so IDLE is broken sooner while any waits.
    const settleMs = this.pendingCount > 0 ? SETTLE_POLL_MS : Infinity;
    const timer = this.delay(Math.min(pollMs > 0 ? pollMs : Infinity, untilRefresh, settleMs));
    const why = await Promise.race([woken, timer.promise, closed, this.stopSignal]);
    timer.cancel();
    session.wake = () => undefined;
    if (why === 'exists') return true;
    if (why !== 'refresh' || this.stopping || !client.usable) return false;
    const refresh = Date.now() >= session.refreshDue;
    if (refresh) {
      session.refreshDue = Date.now() + this.refreshMs();
      if (this.pendingCount === 0) this.warnIfQuiet();
    }
    // The NOOP ends the IDLE; new mail arrives as an untagged EXISTS in its answer and sets dirty via 'exists'.
    await withTimeout(client.noop(), this.t.noopTimeoutMs);
    return refresh;
  }

  private refreshMs(): number {
    return this.o.source.idleRefreshSec * 1000;
  }

  private async scan(client: ImapFlow, lease: LockLease): Promise<void> {
    const r = await scanMailbox({
      client,
      source: this.o.source,
      filter: this.o.filter,
      producer: this.o.producer,
      cursors: this.cursors,
      pending: this.pending,
      redis: this.o.redis,
      prefix: this.o.prefix,
      logger: this.log,
      batchSize: this.t.batchSize,
      stopRequested: () => this.stopping,
      assertHolder: () => {
        if (lease.lost) throw new AppError(ErrorCodes.MAILBOX_LOCK_LOST, `mailbox lock ${this.lock.key} lost`);
      },
    });
    this.lastScanAt = Date.now();
    this.pendingCount = r.pending;
    this.doneTotal += r.done;
    if (r.enqueued + r.ignored + r.quarantined > 0) {
      this.lastMailAt = Date.now();
      this.enqueuedTotal += r.enqueued;
      this.log.info(r, 'mailbox scan done');
    } else if (r.done > 0) this.log.debug(r, 'queued mail marked done');
  }

  private folders(): string[] {
    const s = this.o.source;
    return [s.processedFolder, s.quarantineFolder, s.ignoredFolder].filter(
      (f): f is string => f !== undefined && f !== s.mailbox,
    );
  }

  private warnIfQuiet(): void {
    const limitMs = this.o.source.noMailWarnHours * 3600_000;
    if (limitMs <= 0) return;
    const now = Date.now();
    if (now - this.lastMailAt >= limitMs && now - this.lastNoMailWarn >= limitMs) {
      this.lastNoMailWarn = now;
      this.log.warn(
        { hours: this.o.source.noMailWarnHours, lastMailAt: new Date(this.lastMailAt).toISOString() },
        'no mail seen for a long time: check SEPM notifications and the mailbox',
      );
    }
  }

  /** A timer that can be cancelled, so every IDLE round does not leave a pending timer behind. */
  private delay(ms: number): { promise: Promise<'refresh'>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<'refresh'>((resolve) => {
      timer = setTimeout(() => resolve('refresh'), ms);
      timer.unref();
    });
    return { promise, cancel: () => clearTimeout(timer) };
  }

  private async pause(ms: number): Promise<void> {
    const d = this.delay(ms);
    await Promise.race([d.promise, this.stopSignal]);
    d.cancel();
  }
}
