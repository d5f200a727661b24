import { asRecord, badRequest } from './http-kit.ts';

type Row = Record<string, unknown>;
const METHODS = new Set([
  'equals',
  'not_equals',
  'in',
  'contains',
  'gte',
  'lte',
  'gt',
  'lt',
  'has_a_value',
  'does_not_have_a_value',
]);

/** `properties.x` reads a custom field; anything else a top-level field. */
function fieldValue(row: Row, name: string): unknown {
  if (name.startsWith('properties.')) return (row.properties as Row | undefined)?.[name.slice(11)];
  return row[name];
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return a.some((x) => same(x, b));
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

function test(row: Row, cond: Row): boolean {
  const method = String(cond.method);
  if (!METHODS.has(method)) throw badRequest(`Invalid query method '${method}'`);
  const v = fieldValue(row, String(cond.field_name));
  const want = cond.value;
  const present = v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
  switch (method) {
    case 'equals':
      return same(v, want);
    case 'not_equals':
      return !same(v, want);
    case 'in':
      return Array.isArray(want) && want.some((w) => same(v, w));
    case 'contains':
      return typeof v === 'string' && typeof want === 'string' && v.toLowerCase().includes(want.toLowerCase());
    case 'has_a_value':
      return present;
    case 'does_not_have_a_value':
      return !present;
    default:
      return compare(method, v, want);
  }
}

function compare(method: string, v: unknown, want: unknown): boolean {
  if (typeof v !== 'number' || typeof want !== 'number') return false;
  if (method === 'gte') return v >= want;
  if (method === 'lte') return v <= want;
  if (method === 'gt') return v > want;
  return v < want;
}

function order(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x ?? '').localeCompare(String(y ?? ''));
}

/** Filters (ORed) of conditions (ANDed), sorts, then the `start`/`length` page. */
export function filterAndPage(rows: Row[], body: Row): { total: number; filtered: number; page: Row[] } {
  const filters = Array.isArray(body.filters) ? body.filters.map((f) => asRecord(f, 'filter')) : [];
  const matched = rows.filter(
    (r) =>
      filters.length === 0 ||
      filters.some((f) =>
        (Array.isArray(f.conditions) ? f.conditions : []).every((c) => test(r, asRecord(c, 'condition'))),
      ),
  );
  const sorts = Array.isArray(body.sorts) ? body.sorts.map((s) => asRecord(s, 'sort')) : [];
  matched.sort((a, b) => {
    for (const s of sorts) {
      const x = fieldValue(a, String(s.field_name));
      const y = fieldValue(b, String(s.field_name));
      const c = order(x, y);
      if (c !== 0) return s.type === 'desc' ? -c : c;
    }
    return (a.id as number) - (b.id as number);
  });
  const start = typeof body.start === 'number' ? body.start : 0;
  const length = typeof body.length === 'number' ? Math.min(body.length, 1000) : 100;
  return { total: rows.length, filtered: matched.length, page: matched.slice(start, start + length) };
}
