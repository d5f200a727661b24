import type { JobContext } from '../jobs/context.ts';
import { trackingJobId } from '../../jobs/job-id.ts';
import { pollDelayMs } from '../../shared/backoff.ts';
import type { JobOf } from '../../jobs/catalog.ts';
import { registerPending, type TrackedKind } from './pending-commands.ts';

export type { TrackedKind };

export interface TrackRequest {
  incidentId: number;
  commandId: string;
  kind: TrackedKind;
  startedAt: number;
  attempt?: number;
  rowId?: number;
  artifact?: { type: string; value: string };
  artifactId?: number;
  scanType?: 'QUICK' | 'FULL';
}

/**
 * Schedules poll number `attempt` of a command as a delayed `track-command` job. The id is command + attempt, so
 * scheduling the same poll twice is a no-op and each re-schedule is a new job (not a BullMQ retry).
 */
export async function scheduleTracking(ctx: JobContext, req: TrackRequest): Promise<{ jobId: string }> {
  const attempt = req.attempt ?? 0;
  // The first schedule records the command as pending for its incident (closing it cancels what is pending).
  if (attempt === 0)
    await registerPending(ctx, req.incidentId, {
      commandId: req.commandId,
      kind: req.kind,
      rowId: req.rowId,
      startedAt: req.startedAt,
    });
  // Unset fields stay undefined: JSON job data and the id digest both leave them out.
  const payload: JobOf<'track-command'> = { ...req, attempt };
  return ctx.enqueue('track-command', payload, {
    delayMs: pollDelayMs(attempt, ctx.config.sepm),
    jobId: trackingJobId(req.commandId, attempt),
  });
}
