import { watch, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { EnvelopeFilterConfig } from '../../mail/envelope-filter.ts';
import { AppError, ErrorCodes, describeError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { recordMailTriage } from '../../shared/metrics.ts';
import type { IntakeProducer } from '../../jobs/intake-queue.ts';
import { withTimeout } from '../../shared/timeout.ts';
import { NOT_REGULAR_FILE, prepareMailFile, type FileTriage } from './spool-file.ts';
import { finishedJobs } from '../job-state.ts';
import type { Redis } from 'ioredis';

/**
 * The spool directory source: `.eml` files dropped into `dir` are queued and, once their intake job finished
 * (incident stored, reject recorded, or failed for good), moved to `processed/`; refused files go to `failed/`
 * with a `<name>.reason` file. The directory is the durable log: a file stays until its job finished, so a crash,
 * or a Redis that lost its data (the job with it), leaves the file in place and a later pass queues it again
 * (same job id: a no-op while Redis still has the job). fs.watch triggers a pass at once;
 * polling every pollMs is the safety net (fs.watch misses events on some filesystems). Entries are looked at
 * with lstat and opened with O_NOFOLLOW: a symlink (or FIFO, socket, device) is never read; it goes to
 * `failed/` itself (the link, not its target) with a `not_regular_file` reason.
 */
export interface SpoolOptions {
  dir: string;
  pollMs: number;
  filter: EnvelopeFilterConfig;
  producer: IntakeProducer;
  /** Reads the state of queued jobs (the producer's connection will do). */
  redis: Redis;
  logger: Logger;
  /** Files modified more recently than this are left for the next pass (writer may still be busy), ms. */
  settleMs?: number;
}

export interface SpoolPassResult {
  /** Files moved to processed/ (their job finished) in this pass. */
  processed: number;
  failed: number;
  /** Files newly queued in this pass. */
  queued: number;
  /** Files queued and still waiting for their job after this pass. */
  waiting: number;
}

/** While queued files wait for their job, a pass runs this often (they move to processed/ soon after), ms. */
const SETTLE_POLL_MS = 1000;

export class SpoolSource {
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly o: SpoolOptions;
  private readonly settleMs: number;
  /** Queued files (name → job id) waiting for their job; a file not here is read and queued (again). */
  private readonly queued = new Map<string, string>();

  constructor(options: SpoolOptions) {
    this.o = options;
    this.settleMs = options.settleMs ?? 200;
  }

  async start(): Promise<void> {
    for (const d of [this.o.dir, join(this.o.dir, 'processed'), join(this.o.dir, 'failed')]) {
      await mkdir(d, { recursive: true });
    }
    try {
      this.watcher = watch(this.o.dir, () => this.kick());
      this.watcher.on('error', () => undefined);
    } catch {
      this.o.logger.warn({ dir: this.o.dir }, 'fs.watch unavailable; polling only');
    }
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.kick();
  }

  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.settleTimer);
    this.watcher?.close();
    if (this.busy) await withTimeout(this.busy, deadlineMs).catch(() => undefined);
  }

  /** Runs a pass now, or once more after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.passLoop().finally(() => (this.busy = undefined));
  }

  private async passLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.o.logger.warn({ code: 'SPOOL_IO', err: describeError(err), dir: this.o.dir }, 'spool pass failed');
      }
    } while (this.again && !this.stopped);
    if (this.queued.size > 0 && !this.stopped && this.o.pollMs > SETTLE_POLL_MS) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.kick(), SETTLE_POLL_MS);
      this.settleTimer.unref();
    }
  }

  /** One pass over the directory; exported through the instance for tests and the CLI. */
  async pass(): Promise<SpoolPassResult> {
    const result: SpoolPassResult = { processed: 0, failed: 0, queued: 0, waiting: 0 };
    const names = (await readdir(this.o.dir)).filter((n) => n.toLowerCase().endsWith('.eml')).sort();
    const present = new Set(names);
    for (const name of this.queued.keys()) if (!present.has(name)) this.queued.delete(name);
    await this.settle(result);
    for (const name of names) {
      if (this.stopped) break;
      if (this.queued.has(name)) continue;
      const path = join(this.o.dir, name);
      const st = await lstat(path).catch(() => undefined);
      if (!st || st.isDirectory() || Date.now() - st.mtimeMs < this.settleMs) continue;
      const t: FileTriage = !st.isFile()
        ? { action: 'reject', reason: NOT_REGULAR_FILE, detail: st.isSymbolicLink() ? 'symlink refused' : 'not a file' }
        : await prepareMailFile(path, this.o.filter, 'spool').catch((err: unknown) => ({
            action: 'reject' as const,
            reason: 'unreadable',
            detail: describeError(err),
          }));
      if (t.action === 'accept') {
        const jobId = await this.o.producer.enqueue(t.input);
        recordMailTriage('spool', { accepted: 1 });
        this.queued.set(name, jobId);
        this.o.logger.info({ file: name, jobId }, 'spool mail queued');
        result.queued += 1;
      } else {
        recordMailTriage('spool', { [t.reason]: 1 });
        const target = await moveAside(path, join(this.o.dir, 'failed'));
        if (target) await writeReason(`${target}.reason`, `${t.reason}: ${t.detail}\n`);
        this.o.logger.warn({ file: name, reason: t.reason, detail: t.detail }, 'spool mail not queued');
        result.failed += 1;
      }
    }
    result.waiting = this.queued.size;
    return result;
  }

  /** Moves every queued file whose job finished to processed/; forgets (to queue again) those Redis lost. */
  private async settle(result: SpoolPassResult): Promise<void> {
    const entries = [...this.queued.entries()];
    const states = await finishedJobs(
      this.o.redis,
      entries.map(([, jobId]) => this.o.producer.queue.toKey(jobId)),
    );
    for (let i = 0; i < entries.length && !this.stopped; i++) {
      const [name, jobId] = entries[i] as [string, string];
      if (states[i] === 'open') continue;
      this.queued.delete(name);
      if (states[i] === 'missing') {
        this.o.logger.warn({ file: name, jobId }, 'intake job missing from Redis (data lost?): queuing the file again');
        continue;
      }
      await moveAside(join(this.o.dir, name), join(this.o.dir, 'processed'));
      result.processed += 1;
    }
  }
}

/**
 * Writes a `.reason` file without following a link planted under that name: an existing entry (a symlink to a
 * file elsewhere, say) is removed first — unlink removes the link, never its target — and the file is created
 * exclusively.
 */
async function writeReason(path: string, text: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, text, { flag: 'wx' });
}

/** Moves a file into `dir`, keeping the name unless taken (then a timestamp suffix). Undefined if it vanished. */
async function moveAside(path: string, dir: string): Promise<string | undefined> {
  // processed/ and failed/ must stay real directories inside the spool, not links to somewhere else.
  if (!(await lstat(dir)).isDirectory()) {
    throw new AppError(ErrorCodes.SPOOL_IO, `spool subdirectory ${basename(dir)} is not a directory (symlink?)`);
  }
  let target = join(dir, basename(path));
  if (await lstat(target).catch(() => undefined)) target = join(dir, `${Date.now()}-${basename(path)}`);
  try {
    await rename(path, target);
    return target;
  } catch (err) {
    // Another replica moved it first: the job id made its enqueue and ours the same job.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
