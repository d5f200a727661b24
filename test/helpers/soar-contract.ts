import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactTypes, type Artifact } from '../../src/parsers/types.ts';
import { AppError, ErrorCodes } from '../../src/shared/errors.ts';
import { SepTables, type NewIncident, type SoarClient } from '../../src/soar/port.ts';

/**
 * The SOAR port contract: every SoarClient adapter (embedded store, IBM adapter on the SOAR simulator) must pass it.
 *
 * Rules the suite relies on (the adapter's promise, not test convenience):
 * - `options.now` is the clock: merge-window decisions compare it with the `now` of the last create/merge of that
 *   incident (the adapter must remember that last-seen time itself, e.g. in a custom field).
 * - Message-ID dedup is per (Message-ID, dedup key): one outbreak mail yields several incidents with one Message-ID.
 * - Unknown incident, unknown table, unknown row → AppError SOAR_NOT_FOUND; unknown column or a cell of the wrong
 *   type (sep-functions.md §7 column types) → SOAR_BAD_REQUEST, as SOAR answers 400.
 * Every test uses fresh random dedup keys and Message-IDs, so `make` may hand out a shared backend.
 */
export type ContractFactory = () => Promise<{ client: SoarClient; cleanup: () => Promise<void> }>;

const MINUTE = 60_000;
const WINDOW = 60 * MINUTE;

function uid(): string {
  return randomBytes(6).toString('hex');
}

/** A NewIncident shaped like the mapper's output, with a unique dedup key. */
export function sampleIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  const id = uid();
  return {
    dedupKey: `sep1:contract-${id}`,
    name: `SEP Single Risk Event: Trojan.Gen.NPE on HOST-${id} (Cleaned by deletion)`,
    description: `<p>Risk <b>Trojan.Gen.NPE</b> on HOST-${id}</p>`,
    descriptionFormat: 'html',
    discoveredDate: Date.now() - 5 * MINUTE,
    severity: 'Low',
    incidentTypes: ['Malware'],
    properties: {
      sepm_server: 'SEPM-SERVER',
      sepm_domain: 'Default',
      sepm_group: 'My Company\\TEST_GROUP_1',
      sepm_notification_type: 'single_risk_event',
      sepm_risk_name: 'Trojan.Gen.NPE',
      sepm_computer: `HOST-${id}`,
      sepm_action: 'Cleaned by deletion',
      sepm_message_id: `<${id}@sepm.example>`,
      sepm_forwarded: false,
    },
    artifacts: [
      { type: ArtifactTypes.systemName, value: `HOST-${id}` },
      { type: ArtifactTypes.filePath, value: 'C:\\suspicious_exe.exe' },
      { type: ArtifactTypes.malwareFamily, value: 'Trojan.Gen.NPE' },
    ],
    ...overrides,
  };
}

function messageId(): string {
  return `<${uid()}.contract@sepm.example>`;
}

async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(ErrorCodes.SOAR_NOT_FOUND);
}

const artifactKey = (a: Artifact) => `${a.type}|${a.value.toLowerCase()}`;

/** Registers the contract's describe/it blocks for one adapter. */
export function soarContractSuite(label: string, make: ContractFactory): void {
  describe(`SOAR contract: ${label}`, () => {
    let client: SoarClient;
    let cleanup: () => Promise<void>;
    let base: number;

    beforeEach(async () => {
      ({ client, cleanup } = await make());
      base = Date.now();
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('findOrCreateIncident', () => {
      it('creates an open incident with the mapped fields and artifacts', async () => {
        const input = sampleIncident();
        const mid = messageId();
        const res = await client.findOrCreateIncident(input, {
          sourceMessageId: mid,
          mergeWindowMs: WINDOW,
          now: base,
        });
        expect(res.outcome).toBe('created');
        const inc = res.incident;
        expect(inc.id).toBeGreaterThan(0);
        expect(inc).toMatchObject({
          dedupKey: input.dedupKey,
          name: input.name,
          state: 'open',
          severity: 'Low',
          occurrences: 1,
          discoveredDate: input.discoveredDate,
        });
        expect(inc.incidentTypes).toEqual(['Malware']);
        expect(inc.description).toContain('Trojan.Gen.NPE');
        expect(inc.properties.sepm_computer).toBe(input.properties.sepm_computer);
        expect(inc.properties.sepm_group).toBe('My Company\\TEST_GROUP_1');
        expect(res.addedArtifacts.map(artifactKey).sort()).toEqual(input.artifacts.map(artifactKey).sort());
        const again = await client.getIncident(inc.id);
        expect(again).toMatchObject({ id: inc.id, dedupKey: input.dedupKey, name: input.name, occurrences: 1 });
        const stored = await client.listArtifacts(inc.id);
        expect(stored.map(artifactKey).sort()).toEqual(input.artifacts.map(artifactKey).sort());
      });

      it('changes nothing when the same Message-ID is delivered again', async () => {
        const input = sampleIncident();
        const mid = messageId();
        const first = await client.findOrCreateIncident(input, {
          sourceMessageId: mid,
          mergeWindowMs: WINDOW,
          now: base,
        });
        const replay = await client.findOrCreateIncident(
          { ...input, artifacts: [...input.artifacts, { type: ArtifactTypes.ipAddress, value: '10.9.8.7' }] },
          { sourceMessageId: mid, mergeWindowMs: WINDOW, now: base + MINUTE },
        );
        expect(replay.outcome).toBe('duplicate');
        expect(replay.incident.id).toBe(first.incident.id);
        expect(replay.addedArtifacts).toEqual([]);
        const inc = await client.getIncident(first.incident.id);
        expect(inc.occurrences).toBe(1);
        expect(await client.listArtifacts(inc.id)).toHaveLength(input.artifacts.length);
        expect(await client.listNotes(inc.id)).toHaveLength(0);
      });

      it('treats one Message-ID with different dedup keys as different incidents (outbreak mail)', async () => {
        const mid = messageId();
        const a = await client.findOrCreateIncident(sampleIncident(), {
          sourceMessageId: mid,
          mergeWindowMs: WINDOW,
          now: base,
        });
        const b = await client.findOrCreateIncident(sampleIncident(), {
          sourceMessageId: mid,
          mergeWindowMs: WINDOW,
          now: base,
        });
        expect(a.outcome).toBe('created');
        expect(b.outcome).toBe('created');
        expect(b.incident.id).not.toBe(a.incident.id);
      });

      it('merges a repeat within the window: new artifacts, a note, occurrences + 1', async () => {
        const input = sampleIncident();
        const first = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base,
        });
        const mid2 = messageId();
        const repeat = {
          ...input,
          properties: { ...input.properties, sepm_action: 'Left alone' },
          artifacts: [
            { type: ArtifactTypes.systemName, value: String(input.properties.sepm_computer).toLowerCase() },
            { type: ArtifactTypes.ipAddress, value: '192.168.194.94' },
          ],
        };
        const merged = await client.findOrCreateIncident(repeat, {
          sourceMessageId: mid2,
          mergeWindowMs: WINDOW,
          now: base + 10 * MINUTE,
        });
        expect(merged.outcome).toBe('merged');
        expect(merged.incident.id).toBe(first.incident.id);
        expect(merged.incident.occurrences).toBe(2);
        expect(merged.addedArtifacts.map(artifactKey)).toEqual([`${ArtifactTypes.ipAddress}|192.168.194.94`]);
        expect(await client.listArtifacts(first.incident.id)).toHaveLength(input.artifacts.length + 1);
        const notes = await client.listNotes(first.incident.id);
        expect(notes).toHaveLength(1);
        expect(notes[0]!.text).toContain(mid2);
        expect(notes[0]!.text).toContain('Left alone');
        expect((await client.getIncident(first.incident.id)).occurrences).toBe(2);
        // The window slides with each merge: 50 min after the merge is still inside it.
        const third = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base + 60 * MINUTE,
        });
        expect(third.outcome).toBe('merged');
        expect(third.incident.occurrences).toBe(3);
      });

      it('merges a repeat without a Message-ID too', async () => {
        const input = sampleIncident();
        const first = await client.findOrCreateIncident(input, { mergeWindowMs: WINDOW, now: base });
        const second = await client.findOrCreateIncident(input, { mergeWindowMs: WINDOW, now: base + MINUTE });
        expect(second.outcome).toBe('merged');
        expect(second.incident.id).toBe(first.incident.id);
      });

      it('creates a new incident when the repeat comes after the window', async () => {
        const input = sampleIncident();
        const first = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base,
        });
        const late = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base + WINDOW + MINUTE,
        });
        expect(late.outcome).toBe('created');
        expect(late.incident.id).not.toBe(first.incident.id);
        expect(late.incident.occurrences).toBe(1);
        expect((await client.getIncident(first.incident.id)).occurrences).toBe(1);
      });

      it('creates a new incident when the earlier one was closed', async () => {
        const input = sampleIncident();
        const first = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base,
        });
        const closed = await client.closeIncident(first.incident.id, 'Resolved', 'cleaned, verified by EOC scan');
        expect(closed.state).toBe('closed');
        expect(closed.resolutionSummary).toContain('verified by EOC scan');
        const next = await client.findOrCreateIncident(input, {
          sourceMessageId: messageId(),
          mergeWindowMs: WINDOW,
          now: base + MINUTE,
        });
        expect(next.outcome).toBe('created');
        expect(next.incident.id).not.toBe(first.incident.id);
        expect((await client.getIncident(first.incident.id)).state).toBe('closed');
      });
    });

    it('lists incidents filtered by state', async () => {
      const a = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      const b = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      await client.closeIncident(b.incident.id, 'Not an Issue', 'test');
      const open = (await client.listIncidents({ state: 'open', limit: 1000 })).map((i) => i.id);
      const closed = (await client.listIncidents({ state: 'closed', limit: 1000 })).map((i) => i.id);
      expect(open).toContain(a.incident.id);
      expect(open).not.toContain(b.incident.id);
      expect(closed).toContain(b.incident.id);
      expect(closed).not.toContain(a.incident.id);
    });

    it('adds artifacts only once, comparing values case-insensitively', async () => {
      const { incident } = await client.findOrCreateIncident(sampleIncident({ artifacts: [] }), {
        mergeWindowMs: WINDOW,
        now: base,
      });
      const first = await client.addArtifacts(incident.id, [
        { type: ArtifactTypes.dnsName, value: 'Evil.Example.COM' },
        { type: ArtifactTypes.userAccount, value: 'CORP\\Admin', description: 'logged-on user' },
      ]);
      expect(first).toHaveLength(2);
      expect(first.every((a) => a.id > 0)).toBe(true);
      const second = await client.addArtifacts(incident.id, [
        { type: ArtifactTypes.dnsName, value: 'evil.example.com' },
        { type: ArtifactTypes.userAccount, value: 'corp\\admin' },
        // Same value, other type: a different artifact.
        { type: ArtifactTypes.systemName, value: 'evil.example.com' },
        { type: ArtifactTypes.ipAddress, value: '2001:db8::1' },
        { type: ArtifactTypes.ipAddress, value: '2001:DB8::1' },
      ]);
      expect(second.map(artifactKey).sort()).toEqual(
        [`${ArtifactTypes.systemName}|evil.example.com`, `${ArtifactTypes.ipAddress}|2001:db8::1`].sort(),
      );
      const all = await client.listArtifacts(incident.id);
      expect(all).toHaveLength(4);
      expect(all.find((a) => a.type === ArtifactTypes.dnsName)?.value).toBe('Evil.Example.COM');
    });

    it('adds, updates (merging cells), lists and deletes data-table rows', async () => {
      const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      const table = SepTables.eocScanResults;
      const row = await client.addTableRow(incident.id, table, {
        computer_name: 'TEST-ENDPOINT',
        scan_type: 'QUICK',
        scan_result: 'Query',
        scan_commandid: 'E3DD7A1C0A0000C8',
      });
      expect(row.id).toBeGreaterThan(0);
      expect(row.cells.scan_type).toBe('QUICK');
      const row2 = await client.addTableRow(incident.id, table, { computer_name: 'OTHER', scan_type: 'FULL' });
      const updated = await client.updateTableRow(incident.id, table, row.id, {
        scan_result: 'Hash match',
        remediation_status: 'Pending',
      });
      expect(updated.cells).toMatchObject({
        computer_name: 'TEST-ENDPOINT',
        scan_type: 'QUICK',
        scan_result: 'Hash match',
        remediation_status: 'Pending',
        scan_commandid: 'E3DD7A1C0A0000C8',
      });
      await client.addTableRow(incident.id, SepTables.statusSummary, {
        total: 12,
        offline: 3,
        query_execution_date: 'now',
      });
      const rows = await client.listTableRows(incident.id, table);
      expect(rows.map((r) => r.id).sort((x, y) => x - y)).toEqual([row.id, row2.id].sort((x, y) => x - y));
      expect(rows.find((r) => r.id === row.id)?.cells.scan_result).toBe('Hash match');
      const summary = await client.listTableRows(incident.id, SepTables.statusSummary);
      expect(summary).toHaveLength(1);
      expect(summary[0]!.cells).toMatchObject({ total: 12, offline: 3 });
      await client.deleteTableRow(incident.id, table, row2.id);
      expect((await client.listTableRows(incident.id, table)).map((r) => r.id)).toEqual([row.id]);
      await expectNotFound(client.updateTableRow(incident.id, table, row2.id, { scan_result: 'x' }));
      await expectNotFound(client.listTableRows(incident.id, 'no_such_table'));
    });

    it('rejects a data-table column the table does not have, or a value of the wrong type', async () => {
      const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      const codeOf = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (e: unknown) => (e instanceof AppError ? e.code : String(e)),
        );
      const summary = SepTables.statusSummary;
      expect(await codeOf(client.addTableRow(incident.id, summary, { no_such_column: 'x' }))).toBe(
        ErrorCodes.SOAR_BAD_REQUEST,
      );
      expect(await codeOf(client.addTableRow(incident.id, summary, { total: 'twelve' }))).toBe(
        ErrorCodes.SOAR_BAD_REQUEST,
      );
      expect(await codeOf(client.addTableRow(incident.id, SepTables.groups, { policyInheritanceEnabled: 'yes' }))).toBe(
        ErrorCodes.SOAR_BAD_REQUEST,
      );
      expect(await client.listTableRows(incident.id, summary)).toEqual([]);
      const ok = await client.addTableRow(incident.id, SepTables.criticalEvents, {
        acknowledged: false,
        date_added: 1_719_410_554_000,
        subject: 'CRITICAL: OLD SONAR DEFINITIONS',
        event_id: null,
      });
      expect(ok.cells).toMatchObject({ acknowledged: false, date_added: 1_719_410_554_000 });
    });

    it('round-trips attachments byte for byte (binary with NUL bytes, CSV)', async () => {
      const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      const binary = Buffer.concat([
        Buffer.from([0, 0, 1, 0xff, 0xfe, 0]),
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(4096),
      ]);
      const csv = Buffer.from(
        'computer,file,result\r\n"TEST-ENDPOINT","C:\\a,b.exe","Hash match"\r\nÉCRAN-01,ü.txt,ok\r\n',
        'utf8',
      );
      const binInfo = await client.addAttachment(incident.id, 'sample.bin', 'application/octet-stream', binary);
      const csvInfo = await client.addAttachment(incident.id, 'scan-results.csv', 'text/csv', csv);
      expect(binInfo).toMatchObject({ name: 'sample.bin', size: binary.length });
      expect(csvInfo).toMatchObject({ name: 'scan-results.csv', size: csv.length });
      const list = await client.listAttachments(incident.id);
      expect(list.map((a) => a.name).sort()).toEqual(['sample.bin', 'scan-results.csv']);
      const gotBin = await client.getAttachment(incident.id, binInfo.id);
      expect(Buffer.compare(gotBin.data, binary)).toBe(0);
      expect(gotBin.info.contentType).toBe('application/octet-stream');
      const gotCsv = await client.getAttachment(incident.id, csvInfo.id);
      expect(Buffer.compare(gotCsv.data, csv)).toBe(0);
      expect(gotCsv.info.contentType).toMatch(/^text\/csv/);
      await expectNotFound(client.getAttachment(incident.id, binInfo.id + csvInfo.id + 1000));
    });

    it('adds and lists notes in order', async () => {
      const { incident } = await client.findOrCreateIncident(sampleIncident(), { mergeWindowMs: WINDOW, now: base });
      const n1 = await client.addNote(incident.id, 'EOC quick scan started on TEST-ENDPOINT');
      const n2 = await client.addNote(incident.id, 'Scan finished: <b>no match</b> & done');
      expect(n1.id).toBeGreaterThan(0);
      const notes = await client.listNotes(incident.id);
      expect(notes.map((n) => n.id)).toEqual([n1.id, n2.id]);
      expect(notes.map((n) => n.text)).toEqual([
        'EOC quick scan started on TEST-ENDPOINT',
        'Scan finished: <b>no match</b> & done',
      ]);
    });

    it('answers SOAR_NOT_FOUND for an unknown incident', async () => {
      const missing = 987_654_321;
      await expectNotFound(client.getIncident(missing));
      await expectNotFound(client.addNote(missing, 'x'));
      await expectNotFound(client.closeIncident(missing, 'Resolved', 'x'));
      await expectNotFound(client.addArtifacts(missing, [{ type: ArtifactTypes.ipAddress, value: '10.0.0.1' }]));
    });

    it('answers ping', async () => {
      await expect(client.ping()).resolves.toBeUndefined();
    });
  });
}
