import { describe, expect, it } from 'vitest';
import type { JobContext } from '../../../../src/enrich/jobs/context.ts';
import { attachCsvOnce, csvStem } from '../../../../src/enrich/playbooks/attachments.ts';
import type { AttachmentInfo, SoarClient } from '../../../../src/soar/port.ts';

function fakeCtx(): { ctx: JobContext; files: (AttachmentInfo & { data: Buffer })[] } {
  const files: (AttachmentInfo & { data: Buffer })[] = [];
  const soar: Partial<SoarClient> = {
    listAttachments: async () => files.map(({ data: _d, ...info }) => info),
    getAttachment: async (_i, id) => {
      const f = files.find((x) => x.id === id)!;
      const { data, ...info } = f;
      return { info, data };
    },
    addAttachment: async (_i, name, contentType, data) => {
      const info = { id: files.length + 1, name, contentType, size: data.length, createdAt: 0 };
      files.push({ ...info, data });
      return info;
    },
  };
  return { ctx: { soar } as JobContext, files };
}

const CMD = 'EOC_scan_results_for_commandid_0123456789ABCDEF0123456789ABCDEF';

describe('CSV attachments of command results', () => {
  it('the stem drops the timestamp only', () => {
    expect(csvStem(`${CMD}_20260101120000.csv`)).toBe(CMD);
    expect(csvStem('x.csv')).toBe('x.csv');
  });

  it('the same bytes under a later timestamp are not attached again; changed content is a new version', async () => {
    const { ctx, files } = fakeCtx();
    const a = await attachCsvOnce(ctx, 1, { name: `${CMD}_20260101120000.csv`, content: 'a,b\n' });
    const again = await attachCsvOnce(ctx, 1, { name: `${CMD}_20260101120000.csv`, content: 'a,b\n' });
    const later = await attachCsvOnce(ctx, 1, { name: `${CMD}_20260101130000.csv`, content: Buffer.from('a,b\n') });
    expect([a.attached, again.attached, later.attached]).toEqual([true, false, false]);
    expect(later.attachmentId).toBe(a.attachmentId);
    const grown = await attachCsvOnce(ctx, 1, { name: `${CMD}_20260101140000.csv`, content: 'a,b\nc,d\n' });
    const sameSize = await attachCsvOnce(ctx, 1, { name: `${CMD}_20260101150000.csv`, content: 'a,x\n' });
    expect([grown.attached, sameSize.attached]).toEqual([true, true]);
    const other = await attachCsvOnce(ctx, 1, {
      name: 'Remediation_results_for_commandid_X_20260101120000.csv',
      content: 'a,b\n',
    });
    expect(other.attached).toBe(true);
    expect(files).toHaveLength(4);
  });
});
