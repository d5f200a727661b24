import type { JobContext } from '../jobs/context.ts';

/**
 * CSV attachments of command results (docs/reference/sep-functions.md §5 Command status processing). Their names
 * end in `_<YYYYmmddHHMMSS>.csv`, so the same command's results read again later get a new name: a copy with the
 * same bytes is not attached again (a retried poll, a re-run of get-scan-results, a raw get-command-status after
 * the tracking attached it). A CSV whose content changed (more endpoints answered) is a new version and is attached.
 */

export interface CsvFile {
  name: string;
  content: string | Buffer;
}

export interface AttachOutcome {
  name: string;
  /** False when the incident already had these bytes under this command's CSV name (with any timestamp). */
  attached: boolean;
  attachmentId?: number;
}

const TIMESTAMP = /_\d{14}\.csv$/i;

/** The name without its timestamp: `EOC_scan_results_for_commandid_<cmd>`. */
export function csvStem(name: string): string {
  return name.replace(TIMESTAMP, '');
}

export async function attachCsvOnce(ctx: JobContext, incidentId: number, csv: CsvFile): Promise<AttachOutcome> {
  const data = typeof csv.content === 'string' ? Buffer.from(csv.content, 'utf8') : csv.content;
  const stem = csvStem(csv.name);
  const existing = await ctx.soar.listAttachments(incidentId);
  for (const a of existing.filter((x) => csvStem(x.name) === stem)) {
    // The same name is the same read (a retried poll within the second): never two files of one name.
    if (a.name === csv.name) return { name: a.name, attached: false, attachmentId: a.id };
    if (a.size !== data.length) continue;
    const old = await ctx.soar.getAttachment(incidentId, a.id);
    if (old.data.equals(data)) return { name: a.name, attached: false, attachmentId: a.id };
  }
  const info = await ctx.soar.addAttachment(incidentId, csv.name, 'text/plain', data);
  return { name: info.name, attached: true, attachmentId: info.id };
}
