import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { JobContext } from '../../../src/enrich/jobs/context.ts';
import { enqueueJob, type JobOf } from '../../../src/jobs/catalog.ts';
import type { IncidentReadyData } from '../../../src/jobs/hand-off-schemas.ts';

/**
 * Compile-time contract of the job catalog, checked by `tsc --noEmit -p .` (tsconfig includes test/): a wrong
 * payload for a job name is a compile error at the call site. Each `@ts-expect-error` line must be an error, or
 * tsc fails on the unused directive. The calls sit in a function that is never run.
 */

function compileOnly(q: Queue, redis: Redis, ctx: JobContext): void {
  const opts = { redis, requestedBy: 'api' } as const;
  void enqueueJob(q, 'quarantine-endpoint', { incidentId: 1, computer: 'WIN-1' }, opts);
  void enqueueJob(q, 'eoc-scan-artifact', { incidentId: 1, artifact: { type: 'File Path', value: 'c:\\x.exe' } }, opts);
  void enqueueJob(q, 'get-computers', { computerName: 'WIN-*' }, opts);
  void ctx.enqueue('blacklist-info', { incidentId: 1, hash: 'A'.repeat(64) });

  // @ts-expect-error misspelt field
  void enqueueJob(q, 'quarantine-endpoint', { incidentId: 1, computr: 'WIN-1' }, opts);
  // @ts-expect-error a host artifact where a file artifact is required
  void enqueueJob(q, 'eoc-scan-artifact', { incidentId: 1, artifact: { type: 'System Name', value: 'W' } }, opts);
  // @ts-expect-error missing required field (commandId)
  void enqueueJob(q, 'get-scan-results', { incidentId: 1 }, opts);
  // @ts-expect-error no such job
  void enqueueJob(q, 'format-disk', {}, opts);
  // @ts-expect-error wrong field type (computerName is text)
  void enqueueJob(q, 'get-computers', { computerName: 42 }, opts);
  // @ts-expect-error the follow-up enqueue is typed the same way (hash is required)
  void ctx.enqueue('blacklist-info', { incidentId: 1 });

  // @ts-expect-error the incident-ready hand-off needs an incident id
  const noIncident: IncidentReadyData = { senderVerdict: 'trusted' };
  const scan: JobOf<'eoc-scan-artifact'> = { incidentId: 1, artifact: { type: 'Malware SHA-256 Hash', value: 'A' } };
  void noIncident;
  void scan;
}

describe('job catalog types', () => {
  it('is checked by tsc (the calls above never run)', () => {
    expect(typeof compileOnly).toBe('function');
  });
});
