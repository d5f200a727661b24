/** Estate routes: GET/PATCH /computers, GET /groups, GET /domains. */
import { effectiveLastUpdate } from './computer-record.ts';
import { osInfo } from './os-catalog.ts';
import type { SimCore } from './core.ts';
import { compareNames } from './estate.ts';
import { intParam, listParam, ok, page, sepmError, type RequestCtx, type Reply, type Route } from './http.ts';
import type { SimComputer, SimGroup } from './types.ts';

const V1 = ['v1'] as const;

/** `*` wildcard, case-insensitive, whole-string match (SEPM computerName/mac semantics). */
export function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

function order(q: URLSearchParams): 'ASC' | 'DESC' | null {
  const o = (q.get('order') ?? 'ASC').trim().toUpperCase();
  return o === 'ASC' || o === 'DESC' ? o : null;
}

function paging(q: URLSearchParams, dfltSize: number): { index: number; size: number } | null {
  const index = intParam(q, 'pageIndex', 1);
  const size = intParam(q, 'pageSize', dfltSize);
  if (index === null || size === null || index < 1 || size < 1) return null;
  return { index, size };
}

const COMPUTER_SORTS: Record<string, (core: SimCore) => (a: SimComputer, b: SimComputer) => number> = {
  COMPUTER_NAME: () => (a, b) => compareNames(a.computerName, b.computerName),
  COMPUTER_ID: () => (a, b) => compareNames(a.uniqueId, b.uniqueId),
  DOMAIN_ID: () => (a, b) => compareNames(a.domainId, b.domainId) || compareNames(a.computerName, b.computerName),
  COMPUTER_DOMAIN_NAME: (core) => (a, b) =>
    compareNames(
      core.recordCtx.domainsById.get(a.domainId)?.name ?? '',
      core.recordCtx.domainsById.get(b.domainId)?.name ?? '',
    ) || compareNames(a.computerName, b.computerName),
};

/** `os` filter values a computer answers to (the spec lists both MacOSX and OSX for macOS). */
function osTokens(c: SimComputer): string[] {
  const token = osInfo(c).token.toLowerCase();
  return token === 'macosx' ? ['macosx', 'osx'] : [token];
}

function filterComputers(core: SimCore, q: URLSearchParams): SimComputer[] {
  const domain = q.get('domain')?.trim();
  const byDomain = (c: SimComputer): boolean => !domain || c.domainId === domain.toUpperCase();
  const id = q.get('computer_id')?.trim();
  const hk = q.get('hardware_key')?.trim();
  // computer_id (else hardware_key) ignores every other filter except domain.
  if (id) return [core.byUniqueId.get(id.toUpperCase())].filter((c): c is SimComputer => !!c && byDomain(c));
  if (hk) return [core.byHardwareKey.get(hk.toUpperCase())].filter((c): c is SimComputer => !!c && byDomain(c));
  const name = q.get('computerName')?.trim();
  const nameRe = name ? wildcard(name) : null;
  const oses = new Set(listParam(q, 'os').map((o) => o.toLowerCase()));
  const lastUpdate = Number(q.get('lastUpdate') ?? 0) || 0;
  const mac = q.get('mac')?.trim();
  const macRe = mac ? wildcard(mac) : null;
  const now = Date.now();
  return core.state.computers.filter((c) => {
    if (!byDomain(c)) return false;
    if (nameRe && !nameRe.test(c.computerName)) return false;
    if (oses.size > 0 && !osTokens(c).some((t) => oses.has(t))) return false;
    if (lastUpdate > 0 && effectiveLastUpdate(c, now) < lastUpdate) return false;
    if (macRe) {
      const macs = core.record(c).macAddresses as string[];
      if (!macs.some((m) => macRe.test(m))) return false;
    }
    return true;
  });
}

function getComputers(core: SimCore, ctx: RequestCtx): Reply {
  const q = ctx.query;
  const p = paging(q, 20);
  const dir = order(q);
  const sortProp = (q.get('sort') ?? 'COMPUTER_NAME').trim().toUpperCase();
  const makeCmp = COMPUTER_SORTS[sortProp];
  if (!p || !dir || !makeCmp) return sepmError(400);
  let items = filterComputers(core, q);
  if (sortProp !== 'COMPUTER_NAME' || dir === 'DESC') {
    const cmp = makeCmp(core);
    items = [...items].sort(dir === 'ASC' ? cmp : (a, b) => cmp(b, a));
  }
  const env = page(items, p.index, p.size, { property: sortProp, direction: dir });
  env.content = (env.content as SimComputer[]).map((c) => core.record(c));
  return ok(env);
}

function moveComputers(core: SimCore, ctx: RequestCtx): Reply {
  let items: unknown;
  try {
    items = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return sepmError(400);
  }
  if (!Array.isArray(items) || items.length === 0) return sepmError(400);
  const out = items.map((raw) => {
    const item = (raw ?? {}) as { group?: { id?: unknown }; hardwareKey?: unknown };
    const groupId = typeof item.group?.id === 'string' ? item.group.id.toUpperCase() : '';
    const hk = typeof item.hardwareKey === 'string' ? item.hardwareKey.toUpperCase() : '';
    const group = core.groupsById.get(groupId);
    const computer = core.byHardwareKey.get(hk);
    if (!group || !computer) return { responseCode: '410', responseMessage: 'Cannot find the specified object.' };
    if (group.domainId !== computer.domainId) {
      return { responseCode: '409', responseMessage: 'The group belongs to another domain.' };
    }
    const from = core.groupsById.get(computer.groupId);
    if (from) from.computerCount--;
    group.computerCount++;
    computer.groupId = group.id;
    return { responseCode: '200', responseMessage: 'OK' };
  });
  return ok(out);
}

function policySerial(g: SimGroup): string {
  const d = new Date(g.policyDate);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const date = `${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())}/${d.getUTCFullYear()}`;
  const time = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  return `${g.id.slice(0, 4)}-${date} ${time} ${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

export function groupRecord(core: SimCore, g: SimGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    description: '',
    fullPathName: g.fullPathName,
    numberOfPhysicalComputers: g.computerCount,
    numberOfRegisteredUsers: g.computerCount,
    createdBy: g.createdBy,
    created: g.created,
    lastModified: g.created,
    policySerialNumber: policySerial(g),
    policyDate: g.policyDate,
    customIpsNumber: '',
    domain: { id: g.domainId, name: core.recordCtx.domainsById.get(g.domainId)?.name ?? null },
    policyInheritanceEnabled: g.policyInheritanceEnabled,
  };
}

function getGroups(core: SimCore, ctx: RequestCtx): Reply {
  const q = ctx.query;
  const p = paging(q, 25);
  const dir = order(q);
  const mode = (q.get('mode') ?? 'list').trim().toLowerCase();
  const sortProp = (q.get('sort') ?? 'NAME').trim().toUpperCase();
  if (!p || !dir || (mode !== 'list' && mode !== 'tree') || (sortProp !== 'NAME' && sortProp !== 'ID')) {
    return sepmError(400);
  }
  const domain = q.get('domain')?.trim().toUpperCase();
  const full = q.get('fullPathName')?.trim().toLowerCase();
  const key = (g: SimGroup): string => (sortProp === 'NAME' ? g.name : g.id);
  const items = core.state.groups
    .filter((g) => (!domain || g.domainId === domain) && (!full || g.fullPathName.toLowerCase() === full))
    .sort((a, b) => compareNames(key(a), key(b)) || compareNames(a.fullPathName, b.fullPathName));
  if (dir === 'DESC') items.reverse();
  const env = page(items, p.index, p.size, { property: sortProp, direction: dir });
  env.content = (env.content as SimGroup[]).map((g) => groupRecord(core, g));
  return ok(env);
}

export function estateRoutes(core: SimCore): Route[] {
  return [
    { method: 'GET', pattern: '/computers', versions: V1, auth: true, handler: (c) => getComputers(core, c) },
    { method: 'PATCH', pattern: '/computers', versions: V1, auth: true, handler: (c) => moveComputers(core, c) },
    { method: 'GET', pattern: '/groups', versions: V1, auth: true, handler: (c) => getGroups(core, c) },
    { method: 'GET', pattern: '/domains', versions: V1, auth: true, handler: () => ok(core.state.domains) },
  ];
}
