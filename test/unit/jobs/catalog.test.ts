import { describe, expect, it } from 'vitest';
import { handlers } from '../../../src/enrich/jobs/handlers.ts';
import { canonicalJson, freshJobId, requestMeaning, trackingJobId } from '../../../src/jobs/job-id.ts';
import { JOB_NAMES, jobSchemas, queueFor, validateJobPayload } from '../../../src/jobs/catalog.ts';
import { toBullError } from '../../../src/enrich/jobs/worker.ts';
import { AppError, ErrorCodes } from '../../../src/shared/errors.ts';
import { UnrecoverableError } from 'bullmq';

describe('job registry', () => {
  it('has a schema and a handler for every job name, including every SEP function and playbook', () => {
    for (const name of [
      'get-computers',
      'scan-endpoints',
      'get-command-status',
      'endpoint-details',
      'eoc-scan-artifact',
      'remediate-artifact',
      'track-command',
      'auto-enrich',
      'assign-blacklist-to-lockdown-group',
    ]) {
      expect(JOB_NAMES).toContain(name);
    }
    for (const name of JOB_NAMES) {
      expect(jobSchemas[name], name).toBeDefined();
      expect(typeof handlers[name], name).toBe('function');
    }
    expect(queueFor('track-command')).toBe('tracking');
    expect(queueFor('endpoint-details')).toBe('sep');
  });

  it('lists every problem of an invalid payload', () => {
    const r = validateJobPayload('endpoint-details', {
      incidentId: 'x',
      artifact: { type: 'File Path', value: '' },
      surprise: true,
      requestedBy: 'root',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    expect(text).toMatch(/^requestedBy:/m);
    expect(text).toMatch(/^incidentId:/m);
    expect(text).toMatch(/^artifact\.type:/m);
    expect(text).toMatch(/^artifact\.value:/m);
    expect(text).toMatch(/surprise/);
  });

  it('rejects unknown names and non-object payloads', () => {
    expect(validateJobPayload('rm-rf', {})).toEqual({ ok: false, problems: ["unknown job name 'rm-rf'"] });
    const r = validateJobPayload('groups-info', 'incidentId=1');
    expect(r.ok).toBe(false);
  });

  it('normalises payloads and separates the requester metadata', () => {
    const r = validateJobPayload('add-hash-to-blacklist', {
      incidentId: '12',
      hash: ' ' + 'ab'.repeat(32) + ' ',
      requestedBy: 'api',
      senderVerdict: 'trusted',
    });
    expect(r).toMatchObject({
      ok: true,
      payload: { incidentId: 12, hash: 'AB'.repeat(32) },
      meta: { requestedBy: 'api', senderVerdict: 'trusted' },
    });
    const def = validateJobPayload('groups-info', { incidentId: 1 });
    expect(def.ok && def.meta).toEqual({ requestedBy: 'analyst' });
    const sha1 = validateJobPayload('add-hash-to-blacklist', { incidentId: 1, hash: 'a'.repeat(40) });
    expect(sha1.ok).toBe(false);
    const sep = validateJobPayload('quarantine-endpoints', { computerIds: 'A, ,B,A' });
    expect(sep.ok && sep.name === 'quarantine-endpoints' && sep.payload.computerIds).toEqual(['A', 'B']);
  });

  it('needs one target for endpoint actions and one of rowId/artifact for remediation', () => {
    expect(validateJobPayload('quarantine-endpoint', { incidentId: 1 }).ok).toBe(false);
    expect(validateJobPayload('quarantine-endpoint', { incidentId: 1, computer: 'WS-1' }).ok).toBe(true);
    expect(validateJobPayload('quarantine-endpoint', { incidentId: 1, computerId: 'nothex' }).ok).toBe(false);
    expect(validateJobPayload('remediate-artifact', { incidentId: 1 }).ok).toBe(false);
    expect(
      validateJobPayload('remediate-artifact', { incidentId: 1, rowId: 3, artifact: { type: 'File Path', value: 'x' } })
        .ok,
    ).toBe(false);
    expect(validateJobPayload('remediate-artifact', { incidentId: 1, rowId: 3 }).ok).toBe(true);
  });
});

describe('request meanings and job ids', () => {
  const payload = { incidentId: 7, artifact: { type: 'File Path', value: 'C:\\x.exe' } };

  it('one meaning for the same request, whoever asks and in whatever key order', () => {
    const a = requestMeaning('eoc-scan-artifact', payload);
    const b = requestMeaning('eoc-scan-artifact', {
      artifact: { value: 'C:\\x.exe', type: 'File Path' },
      incidentId: 7,
      requestedBy: 'api',
    });
    expect(b).toBe(a);
    expect(a).toMatch(/^eoc-scan-artifact\.i7\.[0-9a-f]{16}$/);
    expect(requestMeaning('eoc-scan-artifact', { ...payload, incidentId: 8 })).not.toBe(a);
    expect(requestMeaning('endpoint-details', payload)).not.toBe(a);
  });

  it('a fresh job id per enqueue, even in the same millisecond, never with a colon', () => {
    const a = freshJobId('eoc-scan-artifact', payload, 5);
    const b = freshJobId('eoc-scan-artifact', payload, 5);
    expect(a).not.toBe(b);
    expect(a.startsWith(`${requestMeaning('eoc-scan-artifact', payload)}.r`)).toBe(true);
    expect(a).not.toContain(':');
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });

  it('tracking ids are command + attempt', () => {
    expect(trackingJobId('ABC123', 4)).toBe('track.ABC123.a4');
  });
});

describe('error mapping to BullMQ', () => {
  it('retries retryable AppErrors and stops at once on the rest', () => {
    const transient = new AppError(ErrorCodes.SEPM_SERVER_ERROR, 'boom', { retryable: true });
    expect(toBullError(transient)).toBe(transient);
    const permanent = toBullError(new AppError(ErrorCodes.SEPM_BAD_REQUEST, 'no'));
    expect(permanent).toBeInstanceOf(UnrecoverableError);
    expect(permanent.message).toBe('SEPM_BAD_REQUEST: no');
    expect(toBullError(new AppError(ErrorCodes.POLICY_DENIED, 'refused'))).toBeInstanceOf(UnrecoverableError);
  });
});
