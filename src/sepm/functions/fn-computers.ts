import type { SepmConfig } from '../../config/schema.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import type { QueryValue, SepmClient } from '../client/client.ts';
import { annotateComputer, StatusAccumulator } from '../results/endpoint-status.ts';
import type { GetComputersInput, GetGroupsInput, MoveEndpointInput } from './schemas.ts';
import type {
  AnnotatedComputer,
  BulkResponseItem,
  GetComputersOutput,
  MoveEndpointOutput,
  SepmComputer,
  SepmDomain,
  SepmGroup,
  SepmPage,
  SepResult,
} from './types.ts';

/** Get Domains, Get Groups, Get Computers, Move Endpoint (docs/reference/sep-functions.md §3 Function rules). */

export async function getDomains(client: SepmClient): Promise<SepResult<SepmDomain[]>> {
  const domains = await client.request<unknown>('GET', '/domains');
  if (!Array.isArray(domains)) {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'SEPM GET /domains: answer is not an array');
  }
  return { success: true, content: domains as SepmDomain[] };
}

function cleanGroup(g: SepmGroup): SepmGroup {
  // 14.3 pads createdBy with spaces to 128 characters.
  return typeof g.createdBy === 'string' ? { ...g, createdBy: g.createdBy.trim() } : g;
}

export async function getGroups(client: SepmClient, input: GetGroupsInput): Promise<SepResult<SepmPage<SepmGroup>>> {
  const query: Record<string, QueryValue> = {
    domain: input.domain,
    fullPathName: input.fullPathName,
    mode: input.mode,
    order: input.order,
    sort: input.sort,
  };
  let page: SepmPage<SepmGroup>;
  if (input.pageIndex !== undefined) {
    page = await client.request('GET', '/groups', {
      query: { ...query, pageIndex: input.pageIndex, pageSize: input.pageSize },
    });
  } else {
    page = await client.all<SepmGroup>('/groups', { ...query, pageSize: input.pageSize });
  }
  return { success: true, content: { ...page, content: page.content.map(cleanGroup) } };
}

function computerQuery(input: GetComputersInput): Record<string, QueryValue> {
  return {
    computerName: input.computerName,
    domain: input.domain,
    lastUpdate: input.lastUpdate,
    os: input.os,
    computer_id: input.computerId,
    hardware_key: input.hardwareKey,
    order: input.order,
    sort: input.sort,
  };
}

/**
 * Exactly one output per call, in priority order: matching ids, status summary, summary + details, the page.
 * Summaries and id lists always cover every page; summaries stream so a large estate is never held at once.
 */
export async function getComputers(
  client: SepmClient,
  cfg: SepmConfig,
  input: GetComputersInput,
  nowMs: number = Date.now(),
): Promise<SepResult<GetComputersOutput>> {
  const query = computerQuery(input);
  const fullQuery = { ...query, pageSize: input.pageSize };
  if (!input.matchingEndpointIds && (input.status || input.statusDetails)) {
    const acc = new StatusAccumulator(nowMs, cfg.outOfDateAfterSec, !input.status && input.statusDetails);
    for await (const page of client.pages<SepmComputer>('/computers', fullQuery)) {
      for (const c of page.content) acc.add(c);
    }
    return { success: true, content: acc.result() };
  }
  if (input.matchingEndpointIds && input.idsOnly) return { success: true, content: await idsOnly(client, fullQuery) };
  let page: SepmPage<SepmComputer>;
  if (input.matchingEndpointIds || input.allPages) {
    page = await client.all<SepmComputer>('/computers', fullQuery);
  } else {
    page = await client.request('GET', '/computers', {
      query: { ...query, pageIndex: input.pageIndex, pageSize: input.pageSize },
    });
  }
  if (!page || !Array.isArray(page.content)) {
    throw new AppError(ErrorCodes.SEPM_BAD_RESPONSE, 'SEPM GET /computers: answer is not a page');
  }
  const content: AnnotatedComputer[] = page.content.map((c) => annotateComputer(c, nowMs));
  const out: SepmPage<AnnotatedComputer> & { endpoints_matching_ids?: string[] } = { ...page, content };
  if (input.matchingEndpointIds) out.endpoints_matching_ids = content.map((c) => c.uniqueId).filter(Boolean);
  return { success: true, content: out };
}

/** Matching ids without holding the records: ~40 bytes per endpoint instead of ~8 KiB (docs/performance.md). */
async function idsOnly(client: SepmClient, query: Record<string, QueryValue>) {
  const ids: string[] = [];
  let last: SepmPage<SepmComputer> | undefined;
  for await (const page of client.pages<SepmComputer>('/computers', query)) {
    for (const c of page.content) if (c.uniqueId) ids.push(c.uniqueId);
    last = page;
  }
  const out: SepmPage<AnnotatedComputer> & { endpoints_matching_ids: string[] } = {
    ...last,
    content: [],
    numberOfElements: 0,
    totalElements: ids.length,
    endpoints_matching_ids: ids,
  };
  return out;
}

async function currentGroupId(client: SepmClient, hardwareKey: string): Promise<string | null> {
  try {
    const page = await client.request<SepmPage<SepmComputer>>('GET', '/computers', {
      query: { hardware_key: hardwareKey },
    });
    return page?.content?.[0]?.group?.id ?? null;
  } catch (err) {
    if (err instanceof AppError && err.status !== undefined && err.status < 500) return null;
    throw err;
  }
}

export async function moveEndpoint(
  client: SepmClient,
  input: MoveEndpointInput,
): Promise<SepResult<MoveEndpointOutput>> {
  const previousGroupId = await currentGroupId(client, input.hardwareKey);
  const answer = await client.request<unknown>('PATCH', '/computers', {
    json: [{ group: { id: input.groupId }, hardwareKey: input.hardwareKey }],
  });
  const results = (Array.isArray(answer) ? answer : []) as BulkResponseItem[];
  const failed = results.filter((r) => r?.responseMessage !== 'OK');
  const success = results.length > 0 && failed.length === 0;
  const result: SepResult<MoveEndpointOutput> = { success, content: { results, previousGroupId } };
  if (!success) {
    result.reason =
      results.length === 0
        ? 'SEPM returned no per-item result for the move'
        : `move refused: ${failed.map((f) => `${f?.responseCode} ${f?.responseMessage}`).join('; ')}`;
  }
  return result;
}
