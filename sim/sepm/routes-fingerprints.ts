/**
 * Fingerprint (hash blacklist) lists, v1 and v2, and their System Lockdown assignment to groups.
 * Lists created through v2 answer every v1 call with SEPM's "not supported by V1" error.
 */
import type { SimCore } from './core.ts';
import { empty, ok, sepmError, type ApiVersion, type RequestCtx, type Reply, type Route } from './http.ts';
import { newId } from './rng.ts';
import type { SimFingerprintList } from './types.ts';

export const V1_UNSUPPORTED = 'This FingerprintList is not supported by V1, please try V2!';
export const DUPLICATE = 'File Fingerprint already exists';
const BOTH = ['v1', 'v2'] as const;
const HASH_LEN: Record<string, number> = { MD5: 32, SHA256: 64 };

const missing = (idOrName: string): Reply => sepmError(410, `Fingerprint list with ID ${idOrName} do not exist`);

function view(list: SimFingerprintList, version: ApiVersion): Record<string, unknown> {
  if (version === 'v1') {
    const { description, hashType, source, groupIds, data, id, name } = list;
    return { description, hashType, source, groupIds, data, id, name };
  }
  // v2 readers get per-file objects even for a list stored in v1 format.
  const data = list.data.map((d) => (typeof d === 'string' ? { [list.hashType]: d } : d));
  return {
    description: list.description,
    source: list.source,
    groupIds: list.groupIds,
    data,
    id: list.id,
    name: list.name,
  };
}

const isHex = (v: unknown, len: number): v is string =>
  typeof v === 'string' && new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v);

type Payload = {
  name?: string;
  description?: string;
  domainId?: string;
  hashType: string;
  data: SimFingerprintList['data'];
};

/** Validates a create/update body; null = 400. */
function parsePayload(body: Buffer, version: ApiVersion): Payload | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || !Array.isArray(v.data)) return null;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const base = { name: str('name'), description: str('description'), domainId: str('domainId') };
  if (version === 'v1') {
    const hashType = (str('hashType') ?? '').toUpperCase();
    const len = HASH_LEN[hashType];
    if (!len || !v.data.every((h) => isHex(h, len))) return null;
    return { ...base, hashType, data: v.data.map((h) => (h as string).toUpperCase()) };
  }
  const data: Record<string, string>[] = [];
  for (const item of v.data as unknown[]) {
    const o = (item ?? {}) as Record<string, unknown>;
    const entry: Record<string, string> = {};
    for (const k of Object.keys(HASH_LEN)) if (o[k] !== undefined) entry[k] = String(o[k]).toUpperCase();
    if (Object.keys(entry).length === 0 || !Object.entries(entry).every(([k, h]) => isHex(h, HASH_LEN[k] ?? 0)))
      return null;
    data.push(entry);
  }
  return { ...base, hashType: '', data };
}

function find(core: SimCore, ctx: RequestCtx): SimFingerprintList | Reply {
  const id = ctx.params.id ?? '';
  const list = core.state.fingerprintLists.get(id.toUpperCase());
  if (!list) return missing(id);
  if (ctx.version === 'v1' && list.format === 'v2') return sepmError(400, V1_UNSUPPORTED);
  return list;
}

function getByName(core: SimCore, ctx: RequestCtx): Reply {
  const name = ctx.query.get('name')?.trim();
  if (!name) return sepmError(400);
  const domainId = ctx.query.get('domainId')?.trim().toUpperCase();
  const list = [...core.state.fingerprintLists.values()].find(
    (l) => l.name.toLowerCase() === name.toLowerCase() && (!domainId || l.domainId === domainId),
  );
  // SEPM says "with ID" even for a name lookup.
  if (!list) return missing(name);
  if (ctx.version === 'v1' && list.format === 'v2') return sepmError(400, V1_UNSUPPORTED);
  return ok(view(list, ctx.version));
}

function create(core: SimCore, ctx: RequestCtx): Reply {
  const p = parsePayload(ctx.body, ctx.version);
  if (!p || !p.name?.trim()) return sepmError(400);
  const domainId = p.domainId?.trim().toUpperCase() || (core.domainByName('') ?? '');
  if (!core.state.domains.some((d) => d.id === domainId)) return sepmError(400);
  const name = p.name.trim();
  const taken = [...core.state.fingerprintLists.values()].some(
    (l) => l.domainId === domainId && l.name.toLowerCase() === name.toLowerCase(),
  );
  if (taken) return sepmError(409, DUPLICATE);
  const id = newId();
  core.state.fingerprintLists.set(id, {
    id,
    name,
    description: p.description ?? '',
    domainId,
    hashType: p.hashType,
    source: 'WEBSERVICE',
    groupIds: [],
    data: p.data,
    format: ctx.version,
  });
  return ok({ id });
}

function update(core: SimCore, ctx: RequestCtx): Reply {
  const list = find(core, ctx);
  if (!('id' in list)) return list;
  const p = parsePayload(ctx.body, ctx.version);
  if (!p) return sepmError(400);
  if (p.name?.trim()) list.name = p.name.trim();
  if (p.description !== undefined) list.description = p.description;
  list.data = p.data;
  list.hashType = p.hashType;
  list.format = ctx.version;
  return empty();
}

function remove(core: SimCore, ctx: RequestCtx): Reply {
  const list = find(core, ctx);
  if (!('id' in list)) return list;
  core.state.fingerprintLists.delete(list.id);
  return empty();
}

function assign(core: SimCore, ctx: RequestCtx): Reply {
  const group = core.groupsById.get((ctx.params.groupId ?? '').toUpperCase());
  if (!group) return sepmError(410);
  const list = core.state.fingerprintLists.get((ctx.params.fingerprintId ?? '').toUpperCase());
  // SEPM answers 400 for an unknown list and for a list the group already has.
  if (!list || list.groupIds.includes(group.id)) return sepmError(400);
  list.groupIds.push(group.id);
  return empty();
}

export function fingerprintRoutes(core: SimCore): Route[] {
  const base = '/policy-objects/fingerprints';
  const r = (method: string, pattern: string, h: (c: RequestCtx) => Reply): Route => ({
    method,
    pattern,
    versions: BOTH,
    auth: true,
    handler: h,
  });
  return [
    r('GET', base, (c) => getByName(core, c)),
    r('GET', `${base}/{id}`, (c) => {
      const list = find(core, c);
      return 'id' in list ? ok(view(list, c.version)) : list;
    }),
    r('POST', base, (c) => create(core, c)),
    r('POST', `${base}/{id}`, (c) => update(core, c)),
    r('DELETE', `${base}/{id}`, (c) => remove(core, c)),
    {
      ...r('PUT', '/groups/{groupId}/system-lockdown/fingerprints/{fingerprintId}', (c) => assign(core, c)),
      versions: ['v1'],
    },
  ];
}
