import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, sepmSchema } from '../../src/config/schema.ts';
import { hourlySlotsUsed } from '../../src/enrich/containment/index.ts';
import { sepmConfigFor } from '../../src/enrich/start.ts';
import { INTAKE_JOB_NAME } from '../../src/jobs/hand-off-schemas.ts';
import { startService, type RunningService } from '../../src/main.ts';
import { analyzeMail, analyzeOptionsFromConfig } from '../../src/intake/analyze.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { QueueNames } from '../../src/jobs/queues.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { startSepmSim, type SepmSim } from '../../sim/sepm/index.ts';
import { waitFor } from '../helpers/enrich-harness.ts';
import { TEST_REDIS_URL, cleanupPrefix, randomPrefix } from '../helpers/redis.ts';

/**
 * Issue 10 items 3 and 12, end to end through the composition root (spool → intake → incident → enrichment →
 * containment against the SEPM simulator), with automatic quarantine enabled and a sender check that the test
 * mail passes (allowed sender + trusted relay in a Postfix Received header):
 * - an intake job added by hand (as Bull Board does: `queue.add(name, data)`) makes an incident, no containment;
 * - the same mail through the spool does quarantine (positive control);
 * - a sealed quarantine job copied under a new id, or re-added under its own id, is not automatic and takes no
 *   slot of the hourly cap; a BullMQ retry of the genuine job is charged once.
 */

function alertMail(computer: string, tag: string): Buffer {
  const headers = [
    'Received: from sepm01.corp.local (sepm01.corp.local [10.1.2.3])',
    '\tby mx.corp.local (Postfix) with ESMTP id 4WqK1x0abcz9;',
    '\tWed, 26 Jun 2024 07:05:03 -0700 (PDT)',
    'From: "Symantec Endpoint Protection Manager" <sepm@sepmdomain.com>',
    'To: SOC <soc@corp.example>',
    `Subject: Single Risk Event: machine ${computer} infected with Trojan.Gen.NPE, action Left alone`,
    'Date: Wed, 26 Jun 2024 07:05:03 -0700',
    `Message-ID: <sec-${tag}@sepm01.corp.local>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const body = [
    'At least one security risk found:',
    '',
    'Risk name: Trojan.Gen.NPE',
    'File path: C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.exe',
    'Event time: Jun 26, 2024 7:02:34 AM',
    'Database insert time: Jun 26, 2024 7:03:30 AM',
    'Source: Auto-Protect scan',
    'Description:',
    'User: alice',
    `Computer: ${computer}`,
    'Domain: Default',
    'Server: SEPM-SERVER',
    'Client Group: My Company\\Workstations',
    'Action taken on risk: Left alone',
    '',
    'This alarm was generated at Jun 26, 2024 7:05:01 AM (Reporter host Time).',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`);
}

describe('hand-added intake jobs and copied seals cannot cause automatic containment', () => {
  let sim: SepmSim;
  let service: RunningService;
  let tmp: string;
  let spool: string;
  let redis: Redis;
  let queues: { intake: Queue; sep: Queue; ready: Queue };
  const prefix = randomPrefix('sec-intake');
  let config: ReturnType<typeof configSchema.parse>;

  beforeAll(async () => {
    sim = await startSepmSim({ computers: 30, commandStepMs: 20 });
    for (const c of sim.state.computers) c.onlineStatus = 1;
    tmp = mkdtempSync(join(tmpdir(), 'sec-intake-'));
    spool = join(tmp, 'inbox');
    config = configSchema.parse({
      redis: { url: TEST_REDIS_URL, prefix },
      mail: { spool: { dir: spool, pollMs: 100 } },
      senderAuth: { allowedSenders: ['sepm@sepmdomain.com'], trustedRelays: ['10.1.2.3'] },
      policy: { actions: { quarantine: { auto: true, hourlyCap: 10 } } },
      enrich: { auto: { endpointDetails: false, eocScan: false, blacklistLookup: false } },
      soar: { embedded: { path: join(tmp, 'incidents.db') } },
      sepm: { ...sepmConfigFor(sepmSchema.parse({}), sim), pollIntervalSec: 0.05, pollMaxIntervalSec: 0.2 },
    });
    service = await startService({ config, roles: ['watcher', 'worker', 'enrich'], logger: silentLogger });
    redis = new Redis(TEST_REDIS_URL);
    const q = (name: string) => new Queue(name, { connection: redis, prefix });
    queues = { intake: q(QueueNames.intake), sep: q(QueueNames.sep), ready: q(QueueNames.incidentReady) };
  });

  afterAll(async () => {
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    redis?.disconnect();
    await service?.stop(10_000);
    await sim?.stop();
    await cleanupPrefix(prefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const soar = () => service.soar as SoarClient;
  const windows = () => sim.state.computers.filter((c) => c.os === 'windows' && c.quarantineStatus !== 1);
  const quarantinePosts = () => sim.state.stats.requests['POST /command-queue/quarantine'] ?? 0;
  const incidentFor = async (computer: string) =>
    waitFor(async () => (await soar().listIncidents()).find((i) => i.name.includes(computer)), 30_000);
  const notes = async (id: number) => (await soar().listNotes(id)).map((n) => n.text).join('\n');
  const settled = async (queue: Queue, jobId: string): Promise<Job> =>
    waitFor(async () => {
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : undefined;
      return state === 'completed' || state === 'failed' ? await queue.getJob(jobId) : undefined;
    }, 30_000);
  const slots = () => hourlySlotsUsed(redis, prefix, 'quarantine');

  let spoolQuarantineJob: Job | undefined;

  it('the test mail is trusted by the configured sender checks (so the test below can fail)', async () => {
    const r = await analyzeMail(alertMail('WS-X', 'probe'), analyzeOptionsFromConfig(config));
    expect(r.accepted).toBe(true);
    expect(r.sender.verdict).toBe('trusted');
  });

  it('an intake job added by hand makes an incident but no automatic containment', async () => {
    const victim = windows()[0]!;
    const raw = alertMail(victim.computerName, 'hand');
    const posts = quarantinePosts();
    // What Bull Board's "Add job" does: name + data, no options (so a random id and no seal).
    const job = await queues.intake.add(INTAKE_JOB_NAME, {
      rawB64: raw.toString('base64'),
      messageId: 'sec-hand@sepm01.corp.local',
      identity: 'mid:sec-hand@sepm01.corp.local',
      origin: { kind: 'spool', source: 'spool', file: 'hand.eml' },
      enqueuedAt: Date.now(),
    });
    const done = await settled(queues.intake, job.id!);
    expect(done.returnvalue).toMatchObject({ status: 'ingested' });
    const incident = await incidentFor(victim.computerName);
    const [handOff] = await queues.ready.getJobs(['completed', 'failed', 'waiting', 'active']);
    expect(handOff!.data).toMatchObject({ incidentId: incident.id, senderVerdict: 'untrusted' });
    expect(handOff!.data.automationSeal).toBeUndefined();
    await waitFor(async () => (await notes(incident.id)).includes('Automatic containment not taken'), 30_000);
    expect(await notes(incident.id)).toMatch(/quarantine of .*not trusted/);
    await new Promise((r) => setTimeout(r, 500));
    expect(quarantinePosts()).toBe(posts);
    expect(victim.quarantineStatus).not.toBe(1);
    expect(await slots()).toBe(0);
  });

  it('the same kind of mail arriving through the spool is quarantined automatically (positive control)', async () => {
    const victim = windows()[0]!;
    const before = await slots();
    const file = join(spool, 'spooled.eml');
    writeFileSync(`${file}.part`, alertMail(victim.computerName, 'spool'));
    renameSync(`${file}.part`, file);
    const incident = await incidentFor(victim.computerName);
    await waitFor(async () => victim.quarantineStatus === 1, 30_000);
    await waitFor(async () => (await notes(incident.id)).includes('By: policy (automatic)'), 30_000);
    expect(await slots()).toBe(before + 1);
    spoolQuarantineJob = (await queues.sep.getCompleted()).find(
      (j) => j.name === 'quarantine-endpoint' && j.data.computer === victim.computerName,
    );
    expect(spoolQuarantineJob?.data).toMatchObject({ requestedBy: 'auto', senderVerdict: 'trusted' });
    // Job data names the file, never its path on the server.
    const [intakeJob] = (await queues.intake.getCompleted()).filter((j) => j.data.origin?.file === 'spooled.eml');
    expect(JSON.stringify(intakeJob!.data)).not.toContain(tmp);
  });

  it('a sealed quarantine job copied under a new id is refused as automatic and takes no cap slot', async () => {
    const original = spoolQuarantineJob!;
    const other = windows()[0]!;
    const posts = quarantinePosts();
    const before = await slots();
    // Copy as Bull Board's "duplicate"/"add" would: the same data (seal included), a fresh id.
    const copy = await queues.sep.add(original.name, { ...original.data, computer: other.computerName });
    const same = await queues.sep.add(original.name, original.data);
    for (const id of [copy.id!, same.id!]) {
      const done = await settled(queues.sep, id);
      expect(done.failedReason).toMatch(/POLICY_DENIED/);
      expect(done.failedReason).toMatch(/without the worker's seal/);
    }
    expect(quarantinePosts()).toBe(posts);
    expect(other.quarantineStatus).not.toBe(1);
    expect(await slots()).toBe(before);
  });

  it('the genuine job re-added under its own id after removal (seal accepted once) is refused too', async () => {
    const original = spoolQuarantineJob!;
    const before = await slots();
    const posts = quarantinePosts();
    await original.remove();
    const again = await queues.sep.add(original.name, original.data, {
      jobId: original.id!,
      timestamp: original.timestamp,
    });
    const done = await settled(queues.sep, again.id!);
    expect(done.failedReason).toMatch(/without the worker's seal/);
    expect(quarantinePosts()).toBe(posts);
    expect(await slots()).toBe(before);
  });

  it('a BullMQ retry of an automatic quarantine (first attempt 502) is charged to the hourly cap once', async () => {
    const victim = windows()[0]!;
    const before = await slots();
    sim.faults.add({ route: 'POST /command-queue/quarantine', kind: 'status', status: 502, times: 1 });
    const file = join(spool, 'retried.eml');
    writeFileSync(`${file}.part`, alertMail(victim.computerName, 'retry'));
    renameSync(`${file}.part`, file);
    await waitFor(async () => victim.quarantineStatus === 1, 30_000);
    const job = (await queues.sep.getCompleted()).find(
      (j) => j.name === 'quarantine-endpoint' && j.data.computer === victim.computerName,
    );
    expect(job!.attemptsMade).toBeGreaterThanOrEqual(1);
    expect(job!.failedReason).toMatch(/502/);
    expect(await slots()).toBe(before + 1);
  });
});
