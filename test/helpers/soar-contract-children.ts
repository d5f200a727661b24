import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { ArtifactTypes } from '../../src/mail/types.ts';
import { AppError, ErrorCodes } from '../../src/shared/errors.ts';
import type { SoarClient } from '../../src/soar/port.ts';
import { SepTables } from '../../src/soar/sep-tables.ts';
import { artifactKey, expectNotFound, sampleIncident, WINDOW, type ContractContext } from './soar-contract-kit.ts';

/** Contract part 2: artifacts, data tables, attachments, notes, not-found and ping on an incident. */
export function registerChildTests(ctx: ContractContext): void {
  let client: SoarClient;
  let base: number;
  beforeEach(() => {
    ({ client, base } = ctx);
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
}
