import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MailParseResult } from '../../../src/mail/types.ts';
import { openEmbeddedStore } from '../../../src/soar/embedded/store.ts';
import { mapToIncidents } from '../../../src/intake/mapper.ts';

/** Golden parser output (fixtures/emails/*.expected.json) → mapper → embedded store: the intake path minus MIME. */
function golden(name: string): MailParseResult {
  const file = join(import.meta.dirname, '../../../fixtures/emails', `${name}.expected.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as MailParseResult;
}

async function ingest(store: ReturnType<typeof openEmbeddedStore>, doc: MailParseResult, now: number) {
  const out = [];
  for (const inc of mapToIncidents(doc.notification!, doc.artifacts, doc.mail)) {
    const r = await store.findOrCreateIncident(inc, {
      sourceMessageId: doc.mail.messageId,
      mergeWindowMs: 86_400_000,
      now,
    });
    out.push(r);
  }
  return out;
}

describe('golden outbreak mail through mapper and embedded store', () => {
  it('creates one incident per computer, ignores a replay, merges a later mail', async () => {
    const store = openEmbeddedStore(':memory:');
    const doc = golden('risk-outbreak-three-events');
    const first = await ingest(store, doc, 1_000);
    expect(first.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    const names = first.map((r) => r.incident.name);
    expect(names).toEqual([
      'SEP Risk Outbreak: W32.Downadup!autorun on WS-0142 (Cleaned by deletion)',
      'SEP Risk Outbreak: Trojan.Gen.2 on WS-0207 (Quarantined)',
      'SEP Risk Outbreak: WS.Reputation.1 on LAPTOP-88 (Left alone)',
    ]);
    expect(first.map((r) => r.incident.severity)).toEqual(['Medium', 'Medium', 'High']);
    const laptop = await store.listArtifacts(first[2]!.incident.id);
    expect(laptop.map((a) => a.value)).toContain('LAPTOP-88');
    expect(laptop.map((a) => a.value)).not.toContain('WS-0142');
    expect(laptop.map((a) => a.value)).toContain('1ce39d44cc735db5788f07b25c5bb32c6ca48c09');
    expect(laptop.map((a) => a.value)).not.toContain(
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    );

    const replay = await ingest(store, doc, 2_000);
    expect(replay.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);

    const later = { ...doc, mail: { ...doc.mail, messageId: '<next-outbreak@sepm01.sepmdomain.com>' } };
    const merged = await ingest(store, later, 3_000);
    expect(merged.map((r) => r.outcome)).toEqual(['merged', 'merged', 'merged']);
    expect(merged.map((r) => r.incident.occurrences)).toEqual([2, 2, 2]);
    expect((await store.searchIncidents()).total).toBe(3);
    await store.close();
  });

  it('maps a golden security alert to a System Intrusion incident with attacker and target artifacts', async () => {
    const store = openEmbeddedStore(':memory:');
    const [r] = await ingest(store, golden('security-alert-ipv4'), 1_000);
    expect(r!.incident).toMatchObject({
      name: 'SEP Security Alert: 203.0.113.45 → SRV-WEB-01',
      severity: 'High',
      incidentTypes: ['System Intrusion'],
      discoveredDate: Date.parse('2020-12-11T18:08:25Z'),
    });
    expect((await store.listArtifacts(r!.incident.id)).map((a) => a.value).sort()).toEqual(
      ['192.0.2.10', '203.0.113.45', 'SRV-WEB-01'].sort(),
    );
    await store.close();
  });
});
