import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimCore } from '../../../../sim/sepm/core.ts';
import { generateEstate } from '../../../../sim/sepm/estate.ts';
import { listParam, matchRoute, page, sepmError } from '../../../../sim/sepm/http.ts';
import { wildcard } from '../../../../sim/sepm/routes-estate.ts';

describe('estate generation', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const now = 1_700_000_000_000;
    const a = generateEstate(5, 200, now);
    const b = generateEstate(5, 200, now);
    const c = generateEstate(6, 200, now);
    expect(a.computers.map((x) => x.uniqueId)).toEqual(b.computers.map((x) => x.uniqueId));
    expect(a.computers.map((x) => x.uniqueId)).not.toEqual(c.computers.map((x) => x.uniqueId));
    expect(new Set(a.computers.map((x) => x.os))).toEqual(new Set(['windows', 'macos', 'linux']));
    const counted = a.groups.reduce((n, g) => n + g.computerCount, 0);
    expect(counted).toBe(200);
    expect(a.groups.every((g) => g.createdBy.length === 128)).toBe(true);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('builds the same full record on every call, with a trailing-space OS somewhere', () => {
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] });
    const core = new SimCore({ computers: 300, seed: 2 });
    const first = core.state.computers.map((c) => JSON.stringify(core.record(c)));
    const again = core.state.computers.map((c) => JSON.stringify(core.record(c)));
    expect(again).toEqual(first);
    const records = core.state.computers.map((c) => core.record(c));
    expect(records.some((r) => String(r.operatingSystem).endsWith(' '))).toBe(true);
    expect(Object.keys(records[0] ?? {})).toHaveLength(147);
  });

  it('keeps online clients checking in every 5 minutes; offline ones stay stale', () => {
    vi.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] });
    const core = new SimCore({ computers: 100, seed: 4 });
    const on = core.state.computers.find((c) => c.onlineStatus === 1);
    const off = core.state.computers.find((c) => c.onlineStatus === 0);
    if (!on || !off) throw new Error('estate');
    vi.setSystemTime(1_800_000_000_000 + 3 * 86_400_000);
    const fresh = core.record(on).lastUpdateTime as number;
    expect(Date.now() - fresh).toBeLessThan(300_000);
    expect((fresh - on.lastUpdateTime) % 300_000).toBe(0);
    expect(core.record(off).lastUpdateTime).toBe(off.lastUpdateTime);
  });
});

describe('HTTP helpers', () => {
  it('accepts repeated and comma-joined list params, dropping empty items', () => {
    const q = new URLSearchParams('computer_ids=A,B&computer_ids=&computer_ids=C,,');
    expect(listParam(q, 'computer_ids')).toEqual(['A', 'B', 'C']);
  });

  it('builds the Spring page envelope with a 0-based number', () => {
    const env = page([1, 2, 3, 4, 5], 2, 2, { property: 'NAME', direction: 'ASC' });
    expect(env).toEqual({
      content: [3, 4],
      firstPage: false,
      lastPage: false,
      number: 1,
      numberOfElements: 2,
      size: 2,
      sort: [{ direction: 'ASC', property: 'NAME', ascending: true }],
      totalElements: 5,
      totalPages: 3,
    });
  });

  it('matches route templates and keeps malformed escapes literal', () => {
    const route = {
      method: 'GET',
      pattern: '/command-queue/{id}',
      versions: ['v1'] as const,
      auth: true,
      handler: () => ({ status: 200 }),
    };
    expect(matchRoute([route], 'GET', 'v1', '/command-queue/AB%20C')?.params).toEqual({ id: 'AB C' });
    expect(matchRoute([route], 'GET', 'v1', '/command-queue/%E0%A4%A')?.params).toEqual({ id: '%E0%A4%A' });
    expect(matchRoute([route], 'GET', 'v2', '/command-queue/X')).toBeNull();
    expect(matchRoute([route], 'POST', 'v1', '/command-queue/X')).toBeNull();
  });

  it('matches * wildcards case-insensitively over the whole name', () => {
    expect(wildcard('ws-*').test('WS-00012')).toBe(true);
    expect(wildcard('ws-*').test('XWS-1')).toBe(false);
    expect(wildcard('a.b').test('axb')).toBe(false);
    expect(sepmError(410).json).toEqual({
      errorCode: '410',
      appErrorCode: '',
      errorMessage: 'Cannot find the specified object.',
    });
  });
});
