import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { SoarClient, TableRow } from '../../soar/port.ts';
import type { SepmClient } from '../../sepm/client/client.ts';
import type { SepmApi } from '../../sepm/functions/api.ts';
import type { JobMeta, JobName, JobOf } from '../../jobs/catalog.ts';

/** What a worker process builds once (one SEPM session) and every job shares. */
export interface JobServices {
  config: Config;
  /** The SEPM port: `ctx.sepm.getComputers({...})` (content, success=false throws), `ctx.sepm.raw.*` (SepResult). */
  sepm: SepmApi;
  /** The same client as sepm's (streamed reads of large command results). */
  client: SepmClient;
  soar: SoarClient;
  /** For the shared hourly containment caps and the queues. */
  redis: Redis;
  prefix: string;
  logger: Logger;
}

/** Everything a handler may use: the process's services plus the job's own `meta`. */
export interface JobContext extends JobServices {
  meta: JobMeta & { jobId: string };
  /** Validates and enqueues a follow-up job (requester inherited unless given). */
  enqueue<K extends JobName>(
    name: K,
    payload: JobOf<K>,
    opts?: {
      delayMs?: number;
      jobId?: string;
      requestedBy?: JobMeta['requestedBy'];
      senderVerdict?: JobMeta['senderVerdict'];
    },
  ): Promise<{ jobId: string }>;
  now(): Date;
}

export type Handler<P> = (payload: P, ctx: JobContext) => Promise<unknown>;

/** A row of the incident's table, or a permanent error naming it (a wrong row id will not fix itself). */
export async function findRow(ctx: JobContext, incidentId: number, table: string, rowId: number): Promise<TableRow> {
  const rows = await ctx.soar.listTableRows(incidentId, table);
  const row = rows.find((r) => r.id === rowId);
  if (!row) {
    throw new AppError(ErrorCodes.JOB_PAYLOAD_INVALID, `row ${rowId} not found in ${table} of incident ${incidentId}`, {
      details: { incidentId, table, rowId },
    });
  }
  return row;
}

export function cell(row: TableRow, key: string): string {
  const v = row.cells[key];
  return v === null || v === undefined ? '' : String(v).trim();
}
