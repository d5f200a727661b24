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

/**
 * The spool directory source: `.eml` files dropped into `dir` are queued and then moved to `processed/`, or to
 * `failed/` with a `<name>.reason` file. The move happens only after the enqueue resolved, so a crash leaves the
 * file in place and the next pass re-enqueues it (same job id: no-op). fs.watch triggers a pass at once;
 * polling every pollMs is the safety net (fs.watch misses events on some filesystems). Entries are looked at
 * with lstat and opened with O_NOFOLLOW: a symlink (or FIFO, socket, device) is never read; it goes to
 * `failed/` itself (the link, not its target) with a `not_regular_file` reason.
 */
export interface SpoolOptions {
  dir: string;
  pollMs: number;
  filter: EnvelopeFilterConfig;
  producer: IntakeProducer;
  logger: Logger;
  /** Files modified more recently than this are left for the next pass (writer may still be busy), ms. */
  settleMs?: number;
}

export interface SpoolPassResult {
  processed: number;
  failed: number;
}

export class SpoolSource {
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly o: SpoolOptions;
  private readonly settleMs: number;

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
  }

  /** One pass over the directory; exported through the instance for tests and the CLI. */
  async pass(): Promise<SpoolPassResult> {
    const result: SpoolPassResult = { processed: 0, failed: 0 };
    const names = (await readdir(this.o.dir)).filter((n) => n.toLowerCase().endsWith('.eml')).sort();
    for (const name of names) {
      if (this.stopped) break;
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
        await moveAside(path, join(this.o.dir, 'processed'));
        this.o.logger.info({ file: name, jobId }, 'spool mail queued');
        result.processed += 1;
      } else {
        recordMailTriage('spool', { [t.reason]: 1 });
        const target = await moveAside(path, join(this.o.dir, 'failed'));
        if (target) await writeReason(`${target}.reason`, `${t.reason}: ${t.detail}\n`);
        this.o.logger.warn({ file: name, reason: t.reason, detail: t.detail }, 'spool mail not queued');
        result.failed += 1;
      }
    }
    return result;
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
