import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { SepmClient } from '../../sepm/client/client.ts';
import { CSV_OPTIONS, csvTimestamp } from '../../sepm/results/csv.ts';
import { parseScanResult } from '../../sepm/results/scan-result.ts';
import type { CommandStatusEntry, ScanResult } from '../../sepm/functions/schemas.ts';
import { overallState, isTerminalState, type CommandStatusLike, type StatusEntryLike } from '../rows/command-rows.ts';

/**
 * Reads an EOC scan's command status page by page without holding the whole result: each entry's resultInXML
 * is parsed and dropped, match rows are kept only up to the results limit, and every match goes as a CSV line to
 * a temp file. Memory stays bounded by one page plus the limit (the attachment itself is the CSV's size, as the
 * SOAR port takes a Buffer). While the command is pending it stops at the first pending entry: nothing is written
 * back until the end, so a pending poll costs little.
 */

/** Entries per status page: each can carry a large resultInXML, so small pages keep memory flat. */
const STATUS_PAGE_SIZE = 20;

export interface StreamedScan {
  pending: boolean;
  status: CommandStatusLike;
  csv?: { name: string; content: Buffer };
}

interface Acc {
  entries: StatusEntryLike[];
  kept: StatusEntryLike[];
  keptMatches: number;
  totalMatches: number;
  matchEps: number;
  notCompleted: number;
  artifactValue: string;
  csvLines: number;
}

/** The first `room` matches of a result (full, partial, hash order), as a result of their own. */
function cut(sr: ScanResult, room: number): ScanResult {
  const full = sr.FULL_MATCHES.slice(0, room);
  const partial = sr.PARTIAL_MATCHES.slice(0, room - full.length);
  const hash = sr.HASH_MATCHES.slice(0, room - full.length - partial.length);
  const n = full.length + partial.length + hash.length;
  return { ...sr, FULL_MATCHES: full, PARTIAL_MATCHES: partial, HASH_MATCHES: hash, match_count: n };
}

function csvRows(e: CommandStatusEntry, r: ScanResult): string[][] {
  const name = e.computerName ?? '';
  const id = e.computerId ?? '';
  if (r.artifact_type.includes('File')) {
    return [...r.FULL_MATCHES, ...r.PARTIAL_MATCHES].map((m) => [
      name,
      id,
      r.artifact_type,
      r.artifact_value,
      m.value ?? '',
      m.hashValue ?? '',
    ]);
  }
  return r.HASH_MATCHES.map((m) => [name, id, r.artifact_type, r.artifact_value, m.value ?? '', r.artifact_value]);
}

async function addEntry(acc: Acc, e: CommandStatusEntry, limit: number, write: (s: string) => Promise<void>) {
  const lean: StatusEntryLike = { computerName: e.computerName, computerId: e.computerId, stateId: e.stateId };
  acc.entries.push(lean);
  if (e.stateId !== 3) {
    acc.notCompleted++;
    return;
  }
  const sr = parseScanResult(e.resultInXML, false);
  if (sr.match_count === 0) return;
  acc.totalMatches += sr.match_count;
  acc.matchEps++;
  if (!acc.artifactValue) acc.artifactValue = sr.artifact_value;
  const rows = csvRows(e, sr);
  acc.csvLines += rows.length;
  if (rows.length) await write(stringify(rows, CSV_OPTIONS));
  const room = limit - acc.keptMatches;
  if (room > 0) {
    const kept = cut(sr, room);
    acc.keptMatches += kept.match_count;
    acc.kept.push({ ...lean, scan_result: kept });
  }
}

export async function streamScanStatus(
  client: SepmClient,
  commandId: string,
  opts: { limit: number; stopOnPending: boolean; now: Date },
): Promise<StreamedScan> {
  const dir = await mkdtemp(join(tmpdir(), 'sepm-scan-'));
  const file = join(dir, 'matches.csv');
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const acc: Acc = {
    entries: [],
    kept: [],
    keptMatches: 0,
    totalMatches: 0,
    matchEps: 0,
    notCompleted: 0,
    artifactValue: '',
    csvLines: 0,
  };
  let pending = false;
  try {
    const path = `/command-queue/${encodeURIComponent(commandId)}`;
    pages: for await (const page of client.pages<CommandStatusEntry>(path, { pageSize: STATUS_PAGE_SIZE })) {
      for (const e of page.content) {
        if (!isTerminalState(e.stateId)) pending = true;
        if (pending && opts.stopOnPending) break pages;
        await addEntry(acc, e, opts.limit, write);
      }
    }
    out.end();
    await once(out, 'finish');
    const done = await finish(acc, commandId, opts, file);
    // Stopped at a pending entry: the entries read so far may all be terminal, the command is not.
    if (pending) done.status.overall_command_state = 'In progress';
    return { pending, ...done };
  } finally {
    out.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

async function finish(
  acc: Acc,
  commandId: string,
  opts: { limit: number; now: Date },
  file: string,
): Promise<{ status: CommandStatusLike; csv?: { name: string; content: Buffer } }> {
  const over = acc.totalMatches > opts.limit;
  const status: CommandStatusLike = {
    content: acc.kept,
    overall_command_state: overallState(acc.entries),
    total_ep_count: acc.entries.length,
    total_not_completed: acc.notCompleted,
    total_match_count: acc.totalMatches,
    total_match_ep_count: acc.matchEps,
    scan_eoc_hits_over_limit: over,
  };
  if (!over) return { status };
  const head = stringify(
    [[`Eoc scan results of artifact '${acc.artifactValue}' for commandid '${commandId}'.`]],
    CSV_OPTIONS,
  );
  const header = stringify(
    [['Computer name', 'Computer id', 'Artifact type', 'Artifact value', 'File path', 'Hash value']],
    CSV_OPTIONS,
  );
  const content = Buffer.concat([Buffer.from(head + header, 'utf8'), await readFile(file)]);
  const name = `EOC_scan_results_for_commandid_${commandId}_${csvTimestamp(opts.now)}.csv`;
  return { status, csv: { name, content } };
}
