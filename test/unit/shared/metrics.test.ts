import { describe, expect, it } from 'vitest';
import { countIntakeFailure, countIntakeResult } from '../../../src/intake/outcome-metrics.ts';
import { buildOpenApi } from '../../../src/http/api/openapi.ts';
import { JOB_NAMES } from '../../../src/jobs/catalog.ts';
import { AppError, ErrorCodes } from '../../../src/shared/errors.ts';
import {
  operationLabel,
  parseFailures,
  recordAnalysis,
  recordImapReconnect,
  recordMailSeen,
  recordMailTriage,
  registry,
  sepmErrors,
  sepmLatency,
  timed,
} from '../../../src/shared/metrics.ts';

const value = async (name: string, labels: Record<string, string>) => {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
};

describe('metrics helpers', () => {
  it('bounded operation labels', () => {
    expect(operationLabel('get', '/computers?computerName=x')).toBe('GET /computers');
    expect(operationLabel('POST', '/sepm/api/v1/command-queue/ABC/status')).toBe('POST /command-queue');
    expect(operationLabel('GET', '/')).toBe('GET /');
    expect(operationLabel('PUT', '/rest/orgs/201/incidents/12/artifacts')).toBe('PUT /incidents');
    expect(operationLabel('POST', '/rest/session')).toBe('POST /session');
  });

  it('timed() observes latency and counts failures by error code', async () => {
    await timed(sepmLatency, sepmErrors, 'GET /x', async () => 1);
    await expect(
      timed(sepmLatency, sepmErrors, 'GET /x', async () => {
        throw new AppError(ErrorCodes.SEPM_NOT_FOUND, 'gone');
      }),
    ).rejects.toThrow('gone');
    await expect(timed(sepmLatency, sepmErrors, 'GET /x', () => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(await value('sepm_intake_sepm_errors_total', { code: 'SEPM_NOT_FOUND' })).toBe(1);
    expect(await value('sepm_intake_sepm_errors_total', { code: 'UNKNOWN' })).toBe(1);
    const hist = await sepmLatency.get();
    expect(hist.values.find((v) => v.metricName?.endsWith('_count') && v.labels.operation === 'GET /x')?.value).toBe(3);
  });

  it('counts intake outcomes from job results and failure reasons', async () => {
    const created = () => value('sepm_intake_incidents_total', { outcome: 'created' });
    const before = await created();
    countIntakeResult(
      JSON.stringify({ status: 'ingested', incidents: [{ outcome: 'created' }, { outcome: 'merged' }] }),
    );
    countIntakeResult({ status: 'rejected', reason: 'not_risk' });
    countIntakeResult({ status: 'rejected', reason: '<script>' });
    countIntakeFailure('MAIL_PARSE_FAILED: accepted mail without notification');
    countIntakeFailure('SOAR_SERVER_ERROR: 502');
    expect(await created()).toBe(before + 1);
    expect(await value('sepm_intake_incidents_total', { outcome: 'merged' })).toBe(1);
    expect(await value('sepm_intake_mails_rejected_total', { reason: 'not_risk' })).toBe(1);
    expect(await value('sepm_intake_mails_rejected_total', { reason: 'other' })).toBe(1);
    expect(await value('sepm_intake_mails_rejected_total', { reason: 'mail_parse_failed' })).toBe(1);
    expect((await parseFailures.get()).values[0]?.value).toBe(1);
  });

  it('records envelope triage per mailbox and whitelist drops by rule kind', async () => {
    recordMailTriage('corp-imap', { accepted: 3, envelope_filter: 2, too_large: 0 });
    expect(await value('sepm_intake_mails_seen_total', { mailbox: 'corp-imap' })).toBe(5);
    expect(await value('sepm_intake_mails_accepted_total', { mailbox: 'corp-imap' })).toBe(3);
    expect(await value('sepm_intake_mails_rejected_total', { reason: 'envelope_filter' })).toBe(2);
    const r = { dropped: [{ rule: 'ips: 10.0.0.0/8' }, { rule: 'ips: ::1' }, { rule: 'paths: C:\\Windows\\*' }] };
    expect(recordAnalysis(r)).toBe(r);
    expect(await value('sepm_intake_whitelist_drops_total', { rule: 'ips' })).toBe(2);
    expect(await value('sepm_intake_whitelist_drops_total', { rule: 'paths' })).toBe(1);
    recordImapReconnect('corp-imap');
    expect(await value('sepm_intake_imap_reconnects_total', { mailbox: 'corp-imap' })).toBe(1);
  });

  it('reports seconds since the last mail per mailbox at scrape time', async () => {
    recordMailSeen('soc-inbox', Date.now() - 5000);
    const age = await value('sepm_intake_seconds_since_last_mail', { mailbox: 'soc-inbox' });
    expect(age).toBeGreaterThanOrEqual(5);
    expect(age).toBeLessThan(60);
    expect(await value('sepm_intake_mails_seen_total', { mailbox: 'soc-inbox' })).toBe(1);
  });

  it('the OpenAPI document has one operation per job name', () => {
    const doc = buildOpenApi() as { paths: Record<string, unknown> };
    for (const name of JOB_NAMES) expect(doc.paths[`/api/jobs/${name}`], name).toBeDefined();
  });
});
