/** Command-queue routes: eoc, quarantine, files, scans, status, cancel, uploaded file details/content. */
import { beginTimeMs, cancelCommand, createCommand, entryView } from './commands.ts';
import type { SimCore } from './core.ts';
import { EocParseError, parseEoc } from './eoc.ts';
import { fileDetails, fileZip } from './file-zip.ts';
import { intParam, listParam, ok, page, sepmError, type RequestCtx, type Reply, type Route } from './http.ts';
import type { SimCommandEntry, SimCommandKind, SimComputer } from './types.ts';

const V1 = ['v1'] as const;

interface Targets {
  computers: SimComputer[] | null;
  groups: SimComputer[] | null;
}

/** Resolves id lists; null = not requested, undefined result = an unknown id (400). */
function resolveTargets(core: SimCore, q: URLSearchParams, withHardware: boolean): Targets | undefined {
  const ids = listParam(q, 'computer_ids');
  const hks = withHardware ? listParam(q, 'hardware_ids') : [];
  const gids = listParam(q, 'group_ids');
  const computers: SimComputer[] = [];
  for (const id of ids) {
    const c = core.byUniqueId.get(id.toUpperCase());
    if (!c) return undefined;
    computers.push(c);
  }
  for (const hk of hks) {
    const c = core.byHardwareKey.get(hk.toUpperCase());
    if (!c) return undefined;
    if (!computers.includes(c)) computers.push(c);
  }
  let groups: SimComputer[] | null = null;
  if (gids.length > 0) {
    const tree = new Set<string>();
    for (const gid of gids) {
      if (!core.groupsById.has(gid.toUpperCase())) return undefined;
      for (const id of core.groupTree(gid.toUpperCase())) tree.add(id);
    }
    groups = core.state.computers.filter((c) => tree.has(c.groupId));
  }
  return { computers: computers.length > 0 ? computers : null, groups };
}

function queueCommand(
  core: SimCore,
  ctx: RequestCtx,
  kind: SimCommandKind,
  extra: { eocXml?: string; undo?: boolean } = {},
): Reply {
  const t = resolveTargets(core, ctx.query, kind === 'quarantine');
  if (!t || (!t.computers && !t.groups)) return sepmError(400);
  const out: Record<string, string> = {};
  if (t.computers) out.commandID_computer = createCommand(core, kind, t.computers, extra).id;
  if (t.groups) out.commandID_group = createCommand(core, kind, t.groups, extra).id;
  return ok(out);
}

function eoc(core: SimCore, ctx: RequestCtx): Reply {
  // The body is XML whatever the Content-Type says (IBM labels it application/json).
  const xml = ctx.body.toString('utf8');
  try {
    parseEoc(xml);
  } catch (err) {
    if (err instanceof EocParseError) return sepmError(400);
    throw err;
  }
  return queueCommand(core, ctx, 'eoc', { eocXml: xml });
}

function quarantine(core: SimCore, ctx: RequestCtx): Reply {
  const undo = (ctx.query.get('undo') ?? '').trim().toLowerCase() === 'true';
  return queueCommand(core, ctx, 'quarantine', { undo });
}

function files(core: SimCore, ctx: RequestCtx): Reply {
  const q = ctx.query;
  const path = q.get('file_path')?.trim();
  const source = (q.get('source') ?? 'FILESYSTEM').trim().toUpperCase();
  const t = resolveTargets(core, q, false);
  if (!path || !t?.computers || !['FILESYSTEM', 'QUARANTINE', 'BOTH'].includes(source)) return sepmError(400);
  const hash = (k: string): string | undefined => q.get(k)?.trim() || undefined;
  const file = { path, source, md5: hash('md5'), sha1: hash('sha1'), sha256: hash('sha256') };
  return ok({ commandID: createCommand(core, 'files', t.computers, { file }).id });
}

function status(core: SimCore, ctx: RequestCtx): Reply {
  const cmd = core.state.commands.get((ctx.params.id ?? '').toUpperCase());
  if (!cmd) return sepmError(410);
  const index = intParam(ctx.query, 'pageIndex', 1);
  const size = intParam(ctx.query, 'pageSize', 20);
  const dir = (ctx.query.get('order') ?? 'ASC').trim().toUpperCase();
  if (!index || !size || (dir !== 'ASC' && dir !== 'DESC')) return sepmError(400);
  const now = Date.now();
  // Sorted by Begintime, entries not yet started (null) first as in the real samples; views for one page only.
  const keyed = cmd.entries.map((e) => ({ e, begin: beginTimeMs(core, cmd, e, now) ?? -1 }));
  const ordered = keyed.sort((a, b) => a.begin - b.begin).map((k) => k.e);
  if (dir === 'DESC') ordered.reverse();
  const env = page(ordered, index, size, { property: 'Begintime', direction: dir });
  env.content = (env.content as SimCommandEntry[]).map((e) => entryView(core, cmd, e, now));
  return ok(env);
}

function cancel(core: SimCore, ctx: RequestCtx): Reply {
  const cmd = core.state.commands.get((ctx.params.id ?? '').toUpperCase());
  if (!cmd) return sepmError(410);
  return ok({ commandID: cancelCommand(core, cmd) });
}

function storedFile(core: SimCore, ctx: RequestCtx, what: 'details' | 'content'): Reply {
  const file = core.state.files.get((ctx.params.id ?? '').toUpperCase());
  if (!file) return sepmError(410);
  if (what === 'details') return ok(fileDetails(file));
  return { status: 200, body: fileZip(file), contentType: 'application/octet-stream' };
}

export function commandRoutes(core: SimCore): Route[] {
  const post = (pattern: string, handler: (c: RequestCtx) => Reply): Route => ({
    method: 'POST',
    pattern,
    versions: V1,
    auth: true,
    handler,
  });
  const get = (pattern: string, handler: (c: RequestCtx) => Reply): Route => ({
    ...post(pattern, handler),
    method: 'GET',
  });
  return [
    post('/command-queue/eoc', (c) => eoc(core, c)),
    post('/command-queue/quarantine', (c) => quarantine(core, c)),
    post('/command-queue/files', (c) => files(core, c)),
    post('/command-queue/activescan', (c) => queueCommand(core, c, 'scan')),
    post('/command-queue/fullscan', (c) => queueCommand(core, c, 'scan')),
    post('/command-queue/updatecontent', (c) => queueCommand(core, c, 'scan')),
    post('/command-queue/{id}/cancel', (c) => cancel(core, c)),
    get('/command-queue/file/{id}/details', (c) => storedFile(core, c, 'details')),
    get('/command-queue/file/{id}/content', (c) => storedFile(core, c, 'content')),
    get('/command-queue/{id}', (c) => status(core, c)),
  ];
}
