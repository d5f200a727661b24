import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SepmClient } from '../../sepm/client/client.ts';
import { isTerminalState, StatusAccumulator } from '../../sepm/results/status-accumulator.ts';
import type { CommandStatusEntry } from '../../sepm/functions/schemas.ts';
import type { CommandStatusLike } from '../rows/command-rows.ts';

/**
 * Reads EOC scan command statuses page by page into the one StatusAccumulator without holding the whole result:
 * each entry's resultInXML is parsed and dropped, match rows are kept only up to the results limit, and every
 * match goes as a CSV line to a temp file. Memory stays bounded by one page plus the limit (the attachment itself
 * is the CSV's size, as the SOAR port takes a Buffer). While the command is pending it stops at the first pending
 * entry: nothing is written back until the end, so a pending poll costs little.
 */

/** Entries per status page: each can carry a large resultInXML, so small pages keep memory flat. */
const STATUS_PAGE_SIZE = 20;

export interface StreamedScan {
  pending: boolean;
  status: CommandStatusLike;
  csv?: { name: string; content: Buffer };
}

export interface StreamOptions {
  limit: number;
  stopOnPending: boolean;
  now: Date;
}

/**
 * Feeds every page of every command into `acc`; true when it stopped at a pending entry. Several commands of one
 * logical scan are read into one accumulator, so their matches share one limit and one CSV.
 */
async function feed(
  client: SepmClient,
  commandIds: readonly string[],
  acc: StatusAccumulator,
  stopOnPending: boolean,
  write: (s: string) => Promise<void>,
): Promise<boolean> {
  let pending = false;
  for (const commandId of commandIds) {
    const path = `/command-queue/${encodeURIComponent(commandId)}`;
    for await (const page of client.pages<CommandStatusEntry>(path, { pageSize: STATUS_PAGE_SIZE })) {
      const firstPending = page.content.findIndex((e) => !isTerminalState(e.stateId));
      if (firstPending >= 0) pending = true;
      const take = pending && stopOnPending ? page.content.slice(0, Math.max(0, firstPending)) : page.content;
      const lines = acc.add(take);
      if (lines) await write(lines);
      if (pending && stopOnPending) return true;
    }
  }
  return pending;
}

export async function streamScanStatus(
  client: SepmClient,
  commandIds: string | readonly string[],
  opts: StreamOptions,
): Promise<StreamedScan> {
  const ids = typeof commandIds === 'string' ? [commandIds] : commandIds;
  const dir = await mkdtemp(join(tmpdir(), 'sepm-scan-'));
  const file = join(dir, 'matches.csv');
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const acc = new StatusAccumulator({ statusType: 'scan', resultsLimit: opts.limit, keep: 'matches' });
  try {
    const pending = await feed(client, ids, acc, opts.stopOnPending, write);
    // Stopped at a pending entry: the entries read so far may all be terminal, the command is not.
    if (pending) acc.markIncomplete();
    out.end();
    await once(out, 'finish');
    const status: CommandStatusLike = {
      ...acc.totals(),
      content: acc.entries(),
      scan_eoc_hits_over_limit: acc.overLimit(),
    };
    if (!acc.csvWanted()) return { pending, status };
    const name = acc.csvName(ids[0] ?? '', opts.now);
    const content = Buffer.concat([Buffer.from(acc.csvHead(ids.join(', ')), 'utf8'), await readFile(file)]);
    return { pending, status, csv: { name, content } };
  } finally {
    out.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Computer ids with at least one match over every page of `commandIds` (nothing else is kept). */
export async function scanMatchingIds(client: SepmClient, commandIds: readonly string[]): Promise<string[]> {
  const acc = new StatusAccumulator({ statusType: 'scan', resultsLimit: 0, keep: 'matches' });
  await feed(client, commandIds, acc, false, async () => {});
  return acc.matchingIds();
}
