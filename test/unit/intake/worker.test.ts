import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { buildIntakeJob } from '../../../src/jobs/intake-queue.ts';
import { processIntake, type IntakeDeps } from '../../../src/intake/worker.ts';
import type { IncidentReadyData } from '../../../src/jobs/hand-off-schemas.ts';
import type { MailParseResult } from '../../../src/mail/types.ts';
import { AppError, ErrorCodes } from '../../../src/shared/errors.ts';
import type { FindOrCreateOptions, NewIncident, SoarClient } from '../../../src/soar/port.ts';

const job = buildIntakeJob({
  raw: Buffer.from('raw mail'),
  messageId: '<m1@sepm>',
  origin: { kind: 'spool', source: 'spool' },
}).data;

function parsed(over: Partial<MailParseResult> = {}): MailParseResult {
  return {
    accepted: true,
    mail: { subject: 'Single Risk Event', sizeBytes: 8, messageId: 'm1@sepm' },
    notification: {
      type: 'single_risk_event',
      isRisk: true,
      subject: 'Single Risk Event',
      template: 't',
      events: [{ ips: ['10.0.0.1'], computer: 'WS1', riskName: 'Trojan' }],
      truncated: false,
      forwarded: false,
    },
    artifacts: [{ type: 'System Name', value: 'WS1' }],
    dropped: [],
    sender: { verdict: 'trusted', reasons: [], autoReply: false },
    ...over,
  };
}

function incident(key: string): NewIncident {
  return {
    dedupKey: key,
    name: key,
    description: '',
    descriptionFormat: 'text',
    discoveredDate: 0,
    severity: 'High',
    incidentTypes: [],
    properties: {},
    artifacts: [{ type: 'System Name', value: 'WS1' }],
  };
}

function harness(
  opts: {
    result?: MailParseResult | Error;
    soarError?: Error;
    incidents?: NewIncident[];
  } = {},
) {
  const calls: { input: NewIncident; options: FindOrCreateOptions }[] = [];
  const handOffs: { jobId: string; data: IncidentReadyData }[] = [];
  const seen = new Set<string>();
  const soar = {
    findOrCreateIncident: async (input: NewIncident, options: FindOrCreateOptions) => {
      if (opts.soarError) throw opts.soarError;
      calls.push({ input, options });
      const k = `${options.sourceMessageId}|${input.dedupKey}`;
      const outcome = seen.has(k) ? 'duplicate' : 'created';
      seen.add(k);
      return { incident: { id: 7 } as never, outcome, addedArtifacts: [] };
    },
  } as unknown as SoarClient;
  const deps: IntakeDeps = {
    analyze: async () => {
      if (opts.result instanceof Error) throw opts.result;
      return opts.result ?? parsed();
    },
    toIncidents: () => opts.incidents ?? [incident('k1')],
    soar,
    mergeWindowMs: 3_600_000,
    handOff: async (jobId, data) => {
      handOffs.push({ jobId, data });
    },
  };
  return { deps, calls, handOffs };
}

describe('intake job processing', () => {
  it('without a verified origin seal the mail is still ingested but its trusted verdict is handed on as untrusted', async () => {
    for (const ctx of [undefined, { originVerified: false }]) {
      const h = harness();
      const r = await processIntake(job, h.deps, ctx);
      expect(r).toEqual({ status: 'ingested', incidents: [{ id: 7, outcome: 'created', dedupKey: 'k1' }] });
      expect(h.calls).toHaveLength(1);
      expect(h.handOffs[0]!.data.senderVerdict).toBe('untrusted');
    }
  });

  it('creates the incident with the Message-ID as source id and hands it off with a deterministic job id', async () => {
    const h = harness();
    const r = await processIntake(job, h.deps, { originVerified: true });
    expect(r).toEqual({ status: 'ingested', incidents: [{ id: 7, outcome: 'created', dedupKey: 'k1' }] });
    expect(h.calls[0]!.options).toEqual({ sourceMessageId: 'm1@sepm', mergeWindowMs: 3_600_000 });
    expect(h.handOffs[0]!.data).toMatchObject({
      incidentId: 7,
      outcome: 'created',
      dedupKey: 'k1',
      senderVerdict: 'trusted',
      messageId: 'm1@sepm',
    });
    expect(h.handOffs[0]!.data.events).toHaveLength(1);
  });

  it('hands off again with the same job id when a retry finds the incident already applied', async () => {
    const h = harness();
    await processIntake(job, h.deps);
    const again = await processIntake(job, h.deps);
    expect(again).toMatchObject({ incidents: [{ outcome: 'duplicate' }] });
    expect(h.handOffs[1]!.jobId).toBe(h.handOffs[0]!.jobId);
  });

  it('completes with the reason and no incident for mail that is not a risk or from a disallowed sender', async () => {
    for (const reason of ['not_risk', 'sender_not_allowed', 'auto_reply']) {
      const h = harness({ result: parsed({ accepted: false, rejectReason: reason }) });
      expect(await processIntake(job, h.deps)).toEqual({ status: 'rejected', reason });
      expect(h.calls).toHaveLength(0);
    }
  });

  it('takes sender_untrusted from the decision: an accepted untrusted mail is ingested (the gate is decideMail)', async () => {
    const untrusted = parsed({ sender: { verdict: 'untrusted', reasons: ['spf=fail'], autoReply: false } });
    const rejected = { ...untrusted, accepted: false, rejectReason: 'sender_untrusted' };
    expect(await processIntake(job, harness({ result: rejected }).deps)).toEqual({
      status: 'rejected',
      reason: 'sender_untrusted',
    });
    expect(await processIntake(job, harness({ result: untrusted }).deps)).toMatchObject({ status: 'ingested' });
  });

  it('fails permanently, with the code in the reason, for mail that can never be read', async () => {
    const h = harness({ result: parsed({ accepted: false, rejectReason: 'unreadable', notification: null }) });
    const err = await processIntake(job, h.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^MAIL_UNREADABLE: /);
  });

  it('fails permanently on non-retryable SOAR errors and lets BullMQ retry transient ones', async () => {
    const bad = new AppError(ErrorCodes.SOAR_BAD_REQUEST, 'field x invalid', { status: 400 });
    const permanent = await processIntake(job, harness({ soarError: bad }).deps).catch((e: unknown) => e);
    expect(permanent).toBeInstanceOf(UnrecoverableError);
    expect((permanent as Error).message).toBe('SOAR_BAD_REQUEST: field x invalid');
    const down = new AppError(ErrorCodes.SOAR_NETWORK, 'ECONNREFUSED', { retryable: true });
    const transient = await processIntake(job, harness({ soarError: down }).deps).catch((e: unknown) => e);
    expect(transient).toBe(down);
  });

  it('uses the content hash as source id when the mail has no Message-ID, one hand-off per incident', async () => {
    const noId = buildIntakeJob({ raw: Buffer.from('x'), origin: { kind: 'spool', source: 'spool' } }).data;
    const h = harness({ incidents: [incident('k1'), incident('k2')] });
    await processIntake(noId, h.deps);
    expect(h.calls.map((c) => c.options.sourceMessageId)).toEqual([noId.identity, noId.identity]);
    expect(noId.identity).toMatch(/^sha256:/);
    expect(new Set(h.handOffs.map((x) => x.jobId)).size).toBe(2);
  });
});
