import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.ts';
import { buildIntakeJob, createIntakeProducer } from '../../jobs/intake-queue.ts';
import { prepareMailFile } from '../../ingest/spool/spool-file.ts';
import { describeError } from '../../shared/errors.ts';
import { assertRedisReachable, createJobRuntime, redisTlsOptions } from '../../main.ts';
import { parseCommandArgs } from '../args.ts';

/**
 * `sepm-intake replay <dir|file.eml>… [--config FILE]`: queues archived mails on the intake queue (files are
 * not moved). The job ids are the spool's, so replaying what was already ingested is a no-op; a mail whose job
 * failed permanently is retried (e.g. after a parser fix), with a fresh origin seal.
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  if (positionals.length === 0) {
    process.stderr.write('usage: sepm-intake replay <dir|file.eml>… [--config FILE]\n');
    return 2;
  }
  const config = loadConfig({ file: values.config });
  const tls = redisTlsOptions(config.redis);
  await assertRedisReachable(config.redis.url, 3000, tls);
  const files = (await Promise.all(positionals.map(listMailFiles))).flat();
  const runtime = createJobRuntime(config.redis.url, config.redis.prefix, undefined, {
    infoAllowed: true,
    ...(tls ? { tls } : {}),
  });
  const redis = runtime.redis('replay');
  const producer = createIntakeProducer(runtime, redis);
  const counts = { queued: 0, alreadyQueued: 0, retried: 0, rejected: 0 };
  try {
    for (const file of files) {
      const t = await prepareMailFile(file, config.mail.filter, 'replay').catch((err: unknown) => ({
        action: 'reject' as const,
        reason: 'unreadable',
        detail: describeError(err),
      }));
      if (t.action === 'reject') {
        counts.rejected += 1;
        process.stderr.write(`${file}: not queued: ${t.reason}: ${t.detail}\n`);
        continue;
      }
      const { jobId } = buildIntakeJob(t.input);
      const existing = await producer.queue.getJob(jobId);
      if (!existing) {
        await producer.enqueue(t.input);
        counts.queued += 1;
      } else if ((await existing.getState()) === 'failed') {
        // Re-sealed first: the origin seal may have expired while the job sat failed.
        await producer.retryFailed(existing);
        counts.retried += 1;
      } else {
        counts.alreadyQueued += 1;
      }
    }
  } finally {
    await producer.close();
    redis.disconnect();
  }
  process.stdout.write(
    `replay: ${files.length} file(s): ${counts.queued} queued, ${counts.alreadyQueued} already queued, ` +
      `${counts.retried} failed job(s) retried, ${counts.rejected} rejected\n`,
  );
  return counts.rejected > 0 && counts.queued + counts.retried + counts.alreadyQueued === 0 ? 1 : 0;
}

/** A file as given, or every `.eml` under a directory (recursively, sorted). */
async function listMailFiles(path: string): Promise<string[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listMailFiles(full)));
    else if (entry.name.toLowerCase().endsWith('.eml')) out.push(full);
  }
  return out;
}
