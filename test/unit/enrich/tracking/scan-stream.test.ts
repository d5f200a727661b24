import { describe, expect, it } from 'vitest';
import type { SepmClient } from '../../../../src/sepm/client/client.ts';
import { streamScanStatus } from '../../../../src/enrich/tracking/scan-stream.ts';

/** Streaming reader of EOC scan results: limit cut, CSV of everything, early stop while pending. */

const HASH = 'ab'.repeat(32);

function xml(paths: string[]): string {
  const matched = paths.map((p) => `<Matched result="HASH_MATCH" value="${p}" hashType="SHA256"/>`).join('');
  return `<EOC><Activity><OS id="0" name="n" version="v"><Files><File name="" action="create"><Hash name="SHA256" value="${HASH}"/>${matched}</File></Files></OS></Activity></EOC>`;
}

function entry(i: number, stateId: number, matches: number) {
  const paths = Array.from({ length: matches }, (_, k) => `C:\\d${i}\\f${k},x.exe`);
  return { computerName: `PC${i}`, computerId: `ID${i}`, stateId, resultInXML: stateId === 3 ? xml(paths) : null };
}

function fakeClient(pages: ReturnType<typeof entry>[][]): { client: SepmClient; reads: () => number } {
  let reads = 0;
  const client = {
    async *pages() {
      for (const content of pages) {
        reads++;
        yield { content };
      }
    },
  } as unknown as SepmClient;
  return { client, reads: () => reads };
}

const now = new Date('2026-01-02T03:04:05Z');

describe('streamScanStatus', () => {
  it('keeps matches up to the limit, writes every match to the CSV and counts totals', async () => {
    const { client } = fakeClient([[entry(1, 3, 4), entry(2, 3, 0)], [entry(3, 3, 5)]]);
    const r = await streamScanStatus(client, 'CMD', { limit: 6, stopOnPending: true, now });
    expect(r.pending).toBe(false);
    expect(r.status).toMatchObject({
      overall_command_state: 'Completed',
      total_ep_count: 3,
      total_not_completed: 0,
      total_match_count: 9,
      total_match_ep_count: 2,
      scan_eoc_hits_over_limit: true,
    });
    const kept = (r.status.content ?? []).map((e) => e.scan_result?.HASH_MATCHES?.length);
    expect(kept).toEqual([4, 2]);
    const csv = r.csv!.content.toString('utf8').trim().split('\n');
    expect(r.csv!.name).toBe('EOC_scan_results_for_commandid_CMD_20260102030405.csv');
    expect(csv[0]).toBe(`Eoc scan results of artifact '${HASH}' for commandid 'CMD'.`);
    expect(csv[1]).toBe('Computer name,Computer id,Artifact type,Artifact value,File path,Hash value');
    expect(csv).toHaveLength(2 + 9);
    expect(csv[2]).toBe(`PC1,ID1,SHA256 hash,${HASH},"C:\\d1\\f0,x.exe",${HASH}`);
  });

  it('no CSV at or under the limit', async () => {
    const { client } = fakeClient([[entry(1, 3, 2)]]);
    const r = await streamScanStatus(client, 'CMD', { limit: 2, stopOnPending: true, now });
    expect(r.csv).toBeUndefined();
    expect(r.status.scan_eoc_hits_over_limit).toBe(false);
  });

  it('stops at the first pending entry (no further pages read) and reports In progress', async () => {
    const f = fakeClient([[entry(1, 3, 1), entry(2, 1, 0)], [entry(3, 3, 1)]]);
    const r = await streamScanStatus(f.client, 'CMD', { limit: 10, stopOnPending: true, now });
    expect(r.pending).toBe(true);
    expect(r.status.overall_command_state).toBe('In progress');
    expect(f.reads()).toBe(1);
  });

  it('after the timeout reads everything, pending entries counted as not completed', async () => {
    const f = fakeClient([[entry(1, 3, 1), entry(2, 0, 0)], [entry(3, 3, 1)]]);
    const r = await streamScanStatus(f.client, 'CMD', { limit: 10, stopOnPending: false, now });
    expect(r.status).toMatchObject({ total_ep_count: 3, total_not_completed: 1, total_match_count: 2 });
    expect(f.reads()).toBe(2);
  });
});
