import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../../../src/cli/commands/incidents.ts';
import { ArtifactTypes } from '../../../../src/mail/types.ts';
import { AppError, ErrorCodes } from '../../../../src/shared/errors.ts';
import { openEmbeddedStore } from '../../../../src/soar/embedded/store.ts';
import { SepTables } from '../../../../src/soar/sep-tables.ts';
import { sampleIncident } from '../../../helpers/soar-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'sepm-incidents-cli-'));
const db = join(dir, 'incidents.db');
let openId = 0;
let closedId = 0;

beforeAll(async () => {
  const store = openEmbeddedStore(db);
  const open = await store.findOrCreateIncident(
    sampleIncident({
      name: 'SEP Single Risk Event: Evil\u001b[31m on WS-01 (Left alone)',
      severity: 'High',
      properties: { sepm_computer: 'WS-01', sepm_risk_name: 'Evil', sepm_action: 'Left alone' },
      artifacts: [{ type: ArtifactTypes.systemName, value: 'WS-01' }],
    }),
    { sourceMessageId: '<m1@sepm.example>', mergeWindowMs: 3_600_000, now: 1_000 },
  );
  openId = open.incident.id;
  await store.addNote(openId, 'EOC scan requested');
  await store.addTableRow(openId, SepTables.eocScanResults, { computer_name: 'WS-01', scan_result: 'Hash match' });
  await store.addAttachment(openId, 'results.csv', 'text/csv', Buffer.from('a,b\n1,2\n'));
  const closed = await store.findOrCreateIncident(sampleIncident(), { mergeWindowMs: 1, now: 2_000 });
  closedId = closed.incident.id;
  await store.closeIncident(closedId, 'Resolved', 'cleaned');
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('sepm-intake incidents', () => {
  it('lists incidents newest first as a table, filtered by state', async () => {
    const all = await capture(['list', '--db', db]);
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+SEVERITY\s+OCC\s+CREATED \(UTC\)\s+COMPUTER\s+NAME$/);
    expect(lines[1]).toMatch(new RegExp(`^${closedId}\\s+closed`));
    expect(lines[2]).toMatch(new RegExp(`^${openId}\\s+open\\s+High\\s+1\\s+1970-01-01 00:00\\s+WS-01`));
    expect(all.out).not.toContain('\u001b');
    expect(lines.at(-1)).toBe('2 of 2 incident(s)');
    const open = await capture(['list', '--db', db, '--state', 'open', '--json']);
    const doc = JSON.parse(open.out) as { total: number; incidents: { id: number }[] };
    expect(doc.total).toBe(1);
    expect(doc.incidents.map((i) => i.id)).toEqual([openId]);
  });

  it('shows one incident with artifacts, notes, data tables, attachments and source mails', async () => {
    const { code, out } = await capture(['show', String(openId), '--db', db]);
    expect(code).toBe(0);
    expect(out).toContain(`Incident ${openId}: SEP Single Risk Event: Evil?[31m on WS-01 (Left alone)\nFIELD`);
    expect(out).toMatch(/Artifacts \(1\)\nID\s+TYPE\s+VALUE\n\d+\s+System Name\s+WS-01/);
    expect(out).toContain('EOC scan requested');
    expect(out).toMatch(
      /Data table sep_eoc_scan_results \(1\)\nROW\s+computer_name\s+scan_result\n\d+\s+WS-01\s+Hash match/,
    );
    expect(out).toMatch(/results\.csv\s+text\/csv\s+8/);
    expect(out).toMatch(/<m1@sepm\.example>\s+created/);
    const json = await capture(['show', String(openId), '--db', db, '--json']);
    const detail = JSON.parse(json.out) as { incident: { id: number }; tables: Record<string, unknown[]> };
    expect(detail.incident.id).toBe(openId);
    expect(detail.tables[SepTables.eocScanResults]).toHaveLength(1);
  });

  it('fails with SOAR_NOT_FOUND for an unknown id and with usage for bad input', async () => {
    await expect(run(['show', '999999', '--db', db])).rejects.toMatchObject({ code: ErrorCodes.SOAR_NOT_FOUND });
    expect((await capture(['show', 'abc', '--db', db])).code).toBe(2);
    expect((await capture(['frobnicate'])).code).toBe(2);
    await expect(run(['list', '--db', db, '--state', 'pending'])).rejects.toBeInstanceOf(AppError);
  });

  it('reads the configured store path and does not create a missing one', async () => {
    const missing = join(dir, 'nope', 'x.db');
    const err = await run(['list', '--config', writeConfig(missing)]).catch((e: unknown) => e);
    expect((err as AppError).code).toBe(ErrorCodes.STORE_IO);
    expect((err as AppError).message).toContain(missing);
    const ok = await capture(['list', '--config', writeConfig(db), '--state', 'closed']);
    expect(ok.out).toContain('1 of 1 incident(s)');
  });
});

function writeConfig(storePath: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ soar: { kind: 'embedded', embedded: { path: storePath } } }));
  return file;
}
